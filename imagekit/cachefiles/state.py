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

from collections.abc import Iterable, Iterator, MutableMapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

__all__ = ["get_active_state_cache", "prefetch_cachefile_states", "use_cachefile_state_cache"]

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
        groups.setdefault(id(target), (target, set()))[1].add(backend.get_key(file))
    for target, keys in groups.values():
        found = target.get_many(keys)
        for key in keys:
            state_cache[key] = found.get(key)
