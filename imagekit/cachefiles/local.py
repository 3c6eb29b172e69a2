"""The request-local state cache: the dict that ``use_cachefile_state_cache`` activates.

Kept apart from :mod:`imagekit.cachefiles.state` (which re-exports both
names, as ImageKit's API has them there) so that the backends, which write
through to it, and the prefetch functions, which need the backends, do not
import each other.
"""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

__all__ = ["get_active_state_cache", "use_cachefile_state_cache"]

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
