"""A request-local memory of cache file states, and batched lookups.

Inside ``with use_cachefile_state_cache():`` every state that a
:class:`~imagekit.cachefiles.backends.CachedFileBackend` reads or writes is
also kept in a plain dict, so asking twice about the same file costs one cache
round trip, and :func:`prefetch_cachefile_states` can fetch the states of many
files with one ``get_many`` per cache.

The active dict lives in a :class:`contextvars.ContextVar` (module
:mod:`imagekit.cachefiles.local`), so threads and asyncio tasks each see their
own.
"""

from __future__ import annotations

from collections.abc import Iterable, MutableMapping
from typing import Any

from .backends.base import CachedFileBackend
from .backends.guard import call_guarded
from .local import get_active_state_cache, use_cachefile_state_cache

__all__ = [
    "get_active_state_cache",
    "prefetch_cachefile_states",
    "prefetch_spec_files",
    "use_cachefile_state_cache",
]


def prefetch_cachefile_states(
    files: Iterable[Any],
    *,
    state_cache: MutableMapping[str, Any] | None = None,
    cache: Any = None,
) -> None:
    """Load the states of *files* into the request-local state cache.

    Files are grouped by the cache their backend uses (or *cache*, if given)
    and each group costs one ``get_many`` of their state keys. Keys the cache
    does not know are stored as ``None``, meaning "ask storage when needed".
    Without an active (or given) state cache this does nothing.
    """
    _prefetch(files, state_cache=state_cache, cache=cache, dimensions=False)


def prefetch_spec_files(
    objects: Iterable[Any],
    *attnames: str,
    state_cache: MutableMapping[str, Any] | None = None,
) -> list[Any]:
    """Prefetch the states and sizes of the named ``ImageSpecField``\\ s of *objects*.

    ``prefetch_spec_files(photos, "thumbnail")`` costs one cache round trip for
    the whole list, sizes included (see :func:`prefetch_cachefile_states`,
    including its need for an active or given state cache), and returns the
    cache files.
    """
    files = [getattr(obj, attname) for obj in objects for attname in attnames]
    _prefetch(files, state_cache=state_cache, cache=None, dimensions=True)
    return files


def _prefetch(
    files: Iterable[Any],
    *,
    state_cache: MutableMapping[str, Any] | None,
    cache: Any,
    dimensions: bool,
) -> None:
    if state_cache is None:
        state_cache = get_active_state_cache()
        if state_cache is None:
            return
    groups: dict[int, tuple[Any, set[str]]] = {}
    for file in files:
        backend = getattr(file, "cachefile_backend", None)
        if not isinstance(backend, CachedFileBackend) or not file.name:
            continue
        target = cache if cache is not None else backend.cache
        keys = groups.setdefault(id(target), (target, set()))[1]
        keys.add(backend.get_key(file))
        if dimensions:
            keys.add(backend.get_dimensions_key(file))
    for target, keys in groups.values():
        # A cache outage leaves the states unknown (asked again when needed):
        # it must not fail the view.
        found = call_guarded(target, "get_many", keys, default={})
        for key in keys:
            state_cache[key] = found.get(key)
