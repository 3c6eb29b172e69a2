"""A request-local memory of cache file states, and batched lookups.

Inside ``with use_cachefile_state_cache():`` every state that a
:class:`~imagekit.cachefiles.backends.CachedFileBackend` reads or writes is
also kept in a plain dict, so asking twice about the same file costs one cache
round trip, and :func:`prefetch_cachefile_states` can fetch the states of many
files with one ``get_many`` per cache.

The active dict lives in a :class:`contextvars.ContextVar`, so threads and
asyncio tasks each see their own.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Iterator, MutableMapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

__all__ = [
    "KnownFiles",
    "get_active_state_cache",
    "known_files",
    "prefetch_cachefile_states",
    "prefetch_spec_files",
    "use_cachefile_state_cache",
]

_active: ContextVar[MutableMapping[str, Any] | None] = ContextVar(
    "imagekit_cachefile_state_cache", default=None
)


@contextmanager
def use_cachefile_state_cache(
    state_cache: MutableMapping[str, Any] | None = None,
) -> Iterator[MutableMapping[str, Any]]:
    """Activate *state_cache* (a new dict if None) until the block ends."""
    if state_cache is None:
        state_cache = {}
    token = _active.set(state_cache)
    try:
        yield state_cache
    finally:
        _active.reset(token)


def get_active_state_cache() -> MutableMapping[str, Any] | None:
    """Return the active request-local state mapping, or None."""
    return _active.get()


def prefetch_cachefile_states(
    files: Iterable[Any],
    *,
    state_cache: MutableMapping[str, Any] | None = None,
    cache: Any = None,
) -> None:
    """Load the states of *files* into the request-local state cache.

    Files are grouped by the cache their backend uses (or *cache*, if given)
    and each group costs one ``get_many``. Keys the cache does not know are
    stored as ``None``, meaning "ask storage when needed". Without an active
    (or given) state cache this does nothing.
    """
    from .backends import CachedFileBackend

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
        keys.update(backend.get_keys(file))
    for target, keys in groups.values():
        found = target.get_many(keys)
        for key in keys:
            state_cache[key] = found.get(key)


def prefetch_spec_files(
    objects: Iterable[Any],
    *attnames: str,
    state_cache: MutableMapping[str, Any] | None = None,
) -> list[Any]:
    """Prefetch the states of the named ``ImageSpecField``\\ s of *objects*.

    ``prefetch_spec_files(photos, "thumbnail")`` costs one cache round trip for
    the whole list (see :func:`prefetch_cachefile_states`, including its need
    for an active or given state cache) and returns the cache files.
    """
    files = [getattr(obj, attname) for obj in objects for attname in attnames]
    prefetch_cachefile_states(files, state_cache=state_cache)
    return files


class KnownFiles:
    """A bounded memory, per process, of cache files known to exist.

    Cache files are never deleted by imagekit, so once a process has seen a
    file exist it can skip asking the shared cache for a while: a warm page
    then costs no cache round trip at all. Entries expire after
    ``IMAGEKIT_LOCAL_STATE_TIMEOUT`` seconds (never later than the state's own
    ``IMAGEKIT_CACHE_TIMEOUT``), and at most ``IMAGEKIT_LOCAL_STATE_SIZE``
    entries are kept (the oldest go first). The cost: a cache file deleted
    from storage behind imagekit's back is still believed to exist by each
    process for up to that timeout. A changed source gets a new cache file
    name, so it is never affected.
    """

    def __init__(self) -> None:
        self._entries: dict[str, tuple[float, tuple[int, int] | None]] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> tuple[bool, tuple[int, int] | None]:
        """Return ``(known to exist, dimensions or None)`` for a state *key*."""
        entry = self._entries.get(key)
        if entry is None:
            return False, None
        if entry[0] < time.monotonic():
            self._entries.pop(key, None)
            return False, None
        return True, entry[1]

    def remember(self, key: str, dimensions: tuple[int, int] | None = None) -> None:
        """Record that the file with state *key* exists (and its size, if known)."""
        from django.conf import settings

        timeout = settings.IMAGEKIT_LOCAL_STATE_TIMEOUT
        size = settings.IMAGEKIT_LOCAL_STATE_SIZE
        cache_timeout = settings.IMAGEKIT_CACHE_TIMEOUT
        if cache_timeout is not None:
            timeout = min(timeout, cache_timeout)
        if timeout <= 0 or size <= 0:
            return
        if dimensions is None:
            dimensions = self.get(key)[1]
        with self._lock:
            self._entries.pop(key, None)
            while len(self._entries) >= size:
                self._entries.pop(next(iter(self._entries)))
            self._entries[key] = (time.monotonic() + timeout, dimensions)

    def forget(self, key: str) -> None:
        self._entries.pop(key, None)

    def clear(self) -> None:
        """Forget everything (tests; or after deleting cache files by hand)."""
        self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


#: The memory shared by every backend in this process.
known_files = KnownFiles()
