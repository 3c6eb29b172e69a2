"""What task-queue workers run: rebuild a cache file from its payload and make it.

Every task imagekit sends (Celery, RQ, Dramatiq, Django tasks; see
:mod:`imagekit.tasks`) calls :func:`generate_from_payload` with the JSON
payload described in :mod:`imagekit.cachefiles.payloads`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..exceptions import MissingSource, SourceImageError
from ..utils import get_default_cachefile_backend, get_logger
from .backends.base import CachedFileBackend
from .payloads import cachefile_from_payload

__all__ = ["generate_from_payload"]

logger = get_logger()


def generate_from_payload(payload: Mapping[str, Any]) -> bool:
    """Make the cache file *payload* describes; return whether it was made.

    This is what every task-queue worker runs. Generation goes through the
    file's backend (``generate_now``), which skips files that exist already
    and keeps concurrent workers from making the same file twice. The
    "queued" mark is removed whatever happens.

    False means there was nothing to make: the task was stale (its spec or
    source is gone), or the source cannot be made into the file (unreadable,
    too big an output, missing from its storage). That last one is logged
    as a warning and recorded as the file's refusal (see
    :meth:`~imagekit.cachefiles.backends.CachedFileBackend.record_refusal`),
    and the task ends normally: the queue does not retry what can only fail
    again. Any other error (a storage or a cache that is down, a bug in a
    processor) propagates, so the queue's own retries and error reports
    apply.
    """
    if isinstance(payload, Mapping) and isinstance(payload.get("picture"), Mapping):
        return _generate_picture(payload)
    file = None
    try:
        file = cachefile_from_payload(payload)
        if file is None:
            logger.info("Skipped the stale imagekit task for %s", payload.get("name"))
            return False
        backend = file.cachefile_backend
        try:
            # Queued by a CachedFileBackend (BaseAsync), whose generate_now() makes it.
            backend.generate_now(file, force=payload["force"])  # type: ignore[attr-defined]
        except (MissingSource, SourceImageError) as exc:
            # The source cannot be made into this file: say so to the pages
            # that need it, rather than have each of them queue it again, and
            # end the task (a queue retrying it would only fail again).
            if isinstance(backend, CachedFileBackend):
                backend.record_refusal(file, exc)
            logger.warning("imagekit could not make %s: %s", payload.get("name"), exc)
            return False
        return True
    finally:
        name = payload.get("name") if isinstance(payload, Mapping) else None
        backend = file.cachefile_backend if file is not None else get_default_cachefile_backend()
        if isinstance(name, str) and isinstance(backend, CachedFileBackend):
            backend.forget_queued(name)


def _generate_picture(payload: Mapping[str, Any]) -> bool:
    """Make the variants of one picture (issue #12): one task, one decode."""
    from ..pictures import generate_picture_from_payload

    mark = payload["picture"].get("mark")
    backend = get_default_cachefile_backend()
    try:
        return generate_picture_from_payload(payload)
    except (MissingSource, SourceImageError) as exc:
        # As for one file (above): the picture's task is refused, by its mark.
        base = cachefile_from_payload({k: v for k, v in payload.items() if k != "picture"})
        if base is not None and isinstance(mark, str) and isinstance(backend, CachedFileBackend):
            backend.record_refusal(base, exc, name=mark)
        logger.warning("imagekit could not make the picture %s: %s", mark, exc)
        return False
    finally:
        if isinstance(mark, str) and isinstance(backend, CachedFileBackend):
            backend.forget_queued(mark)
