"""Cache files that follow their source: replaced in place, deleted with it.

The model signal router (:mod:`imagekit.specs.sourcegroups`) calls these when
a source of an ``ImageSpecField`` is saved:

* :func:`refresh_if_replaced`, when an instance is saved with the same file
  name as before: if the stored file was overwritten (its fingerprint is not
  the one recorded when a cache file was made from it, see
  :mod:`.origins`), each such cache file is made again, under the same
  name, atomically. Nothing happens on page views: only saves compare.
* :func:`delete_with_source`, when an instance is deleted or its file cleared
  or replaced by another, for fields that ask for it
  (``ImageSpecField(delete_with_source=True)`` or
  ``IMAGEKIT_DELETE_WITH_SOURCE``): the cache files made from the old file
  are deleted once the transaction commits, with their state.

Neither ever raises into the code that saved the model: failures are logged
on the ``imagekit`` logger.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.db import transaction

from ..conf import setting
from ..utils import get_logger
from . import origins
from .backends import lock
from .backends.base import CachedFileBackend

if TYPE_CHECKING:
    from django.core.files.storage import Storage

    from .._typing import CacheFileBackend
    from . import ImageCacheFile

__all__ = ["delete_with_source", "deletes_with_source", "refresh_if_replaced"]

logger = get_logger()


def _cache_files(ids: Iterable[str], source: Any) -> list[ImageCacheFile]:
    """Build the cache file of each generator id in *ids* for *source*; skip those that fail."""
    from ..registry import generator_registry
    from . import ImageCacheFile

    files = []
    for gid in ids:
        try:
            file = ImageCacheFile(generator_registry.get(gid, source=source))
            if file.name:
                files.append(file)
        except Exception:
            logger.exception("Could not name the cache file of %s for %s", gid, source)
    return files


# --- replaced in place -----------------------------------------------------------------


def refresh_if_replaced(ids: Iterable[str], source: Any) -> None:
    """Regenerate the cache files of *ids* made from an older content of *source*.

    Costs one ``get_many`` of the files' origin records; the source is asked
    for its fingerprint (a ``stat``, or a ``HEAD`` on S3) only if one of them
    has a recorded one.
    """
    try:
        files = [f for f in _cache_files(ids, source) if _recorded(f)]
        if not files:
            return
        # Files with origin records (_recorded): their backends are CachedFileBackends.
        by_backend: dict[int, tuple[Any, list[ImageCacheFile]]] = {}
        for file in files:
            by_backend.setdefault(id(file.cachefile_backend), (file.cachefile_backend, []))[
                1
            ].append(file)
        current = None
        for backend, group in by_backend.values():
            keys = {backend.get_origin_key(f): f for f in group}
            found = backend.cache_call("get_many", list(keys), default={})
            for key, value in found.items():
                record = origins.parse(value)
                if not record or not record.get("fp"):
                    continue
                if current is None:
                    current = origins.fingerprint(source.storage, source.name) or ""
                if current and record["fp"] != current:
                    _regenerate(keys[key])
        _refresh_variants(files, source, current)
    except Exception:
        logger.exception("Could not check whether the source %s was replaced", source)


def _refresh_variants(files: list[Any], source: Any, current: str | None = None) -> None:
    """Make the declared picture variants of *files* again if made from an older source.

    All of a picture's variants and its placeholder are made again together,
    in one decode, when any one of them records another fingerprint.
    """
    files = [f for f in files if _declares(f)]
    if not files:
        return
    from ..pictures import declared_names, generate_declared

    for file in files:
        names, _key = declared_names(file)
        if not names:
            continue
        backend = file.cachefile_backend
        keys = [origins.origin_key(name) for name in names]
        found = backend.cache_call("get_many", keys, default={})
        recorded = {(origins.parse(v) or {}).get("fp") for v in found.values()} - {None}
        if not recorded:
            continue
        if current is None:
            current = origins.fingerprint(source.storage, source.name) or ""
        if current and recorded != {current}:
            try:
                generate_declared(file, force=True)
            except Exception:
                logger.exception(
                    "Could not make the picture variants of %s again from its replaced source",
                    file.name,
                )


def _recorded(file: ImageCacheFile) -> bool:
    return isinstance(file.cachefile_backend, CachedFileBackend)


def _regenerate(file: ImageCacheFile) -> None:
    """Make *file* again from its replaced source, under the same name, atomically.

    A synchronous backend makes it now (the new file replaces the old one in
    one step, and every process forgets its memory of the old); a task-queue
    backend hands a forced generation to its workers, and the old file is
    served until the new one replaces it. If the new source cannot be made
    into an image, the stale file is deleted, so the next access tries again.
    """
    try:
        file.generate(force=True)
    except Exception:
        logger.exception(
            "Could not regenerate %s from its replaced source; deleting the stale file", file.name
        )
        _delete(file.cachefile_backend, file.storage, file.name)


# --- deleted with the source --------------------------------------------------------------


def deletes_with_source(option: bool | None) -> bool:
    """Return whether a field with this ``delete_with_source`` option deletes its files.

    None follows ``IMAGEKIT_DELETE_WITH_SOURCE`` (default False, as in ImageKit).
    """
    if option is None:
        return bool(setting("IMAGEKIT_DELETE_WITH_SOURCE"))
    return bool(option)


def delete_with_source(ids: Iterable[str], old_source: Any, using: str | None = None) -> None:
    """Delete the cache files of *ids* made from *old_source*, once the transaction commits.

    The names are worked out now, while the instance still describes the old
    file; the deletions wait for ``transaction.on_commit`` (of the database
    *using*), so a rolled-back delete or save deletes nothing.
    """
    files = _cache_files(ids, old_source)
    targets = [(f.cachefile_backend, f.storage, f.name) for f in files]
    pictures = []  # what the declared variants' pictures learnt (placeholders)
    for file in files:
        names, key = _declared(file)
        targets.extend((file.cachefile_backend, file.storage, name) for name in names)
        backend = file.cachefile_backend
        if key and isinstance(backend, CachedFileBackend):  # only those keep pictures' records
            pictures.append((backend, key))
    if not targets:
        return

    def delete_them() -> None:
        for backend, storage, name in targets:
            _delete(backend, storage, name)
        for backend, key in pictures:
            try:
                backend.cache_call("delete", key)
            except Exception:
                logger.exception("Could not forget the picture record %s", key)

    transaction.on_commit(delete_them, using=using)


def _declared(file: Any) -> tuple[list[str], str | None]:
    """The names of *file*'s declared picture variants (``widths=``) and their picture's key."""
    if not _declares(file):
        return [], None
    from ..pictures import declared_names

    try:
        return declared_names(file)
    except Exception:
        logger.exception("Could not name the picture variants of %s", file.name)
        return [], None


def _declares(file: Any) -> bool:
    # As pictures.declared_variants, without importing the picture code for every save.
    return getattr(getattr(file, "generator", None), "picture_widths", None) is not None


class _Named:
    __slots__ = ("name",)

    def __init__(self, name: str):
        self.name = name


def _delete(backend: CacheFileBackend, storage: Storage, name: str) -> None:
    """Delete the cache file *name* and its state, holding its lock; log any failure."""
    token = None
    try:
        if isinstance(backend, CachedFileBackend):
            token = lock.acquire(backend, _Named(name))
            if token is None:
                logger.warning("Did not delete %s: it is being generated right now", name)
                return
        storage.delete(name)
        if isinstance(backend, CachedFileBackend):
            backend.forget(name)
    except Exception:
        logger.exception("Could not delete the cache file %s", name)
    finally:
        if token is not None:
            try:
                lock.release(backend, _Named(name), token)  # type: ignore[arg-type]  # locked
            except Exception:
                logger.exception("Could not release the generation lock of %s", name)
