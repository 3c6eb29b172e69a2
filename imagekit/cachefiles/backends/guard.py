"""The outage guard: a state cache that fails must not take pages down.

Every call a backend makes to the state cache goes through
:func:`call_guarded`. When the cache raises (Redis unreachable, memcached
timing out), the call returns a default instead: unknown states are then
checked in storage, as if the cache had forgotten them, and a warning is
logged at most once a minute per process.
"""

from __future__ import annotations

import time
from typing import Any

from ...utils import get_logger

__all__ = ["call_guarded"]

_last_cache_warning = 0.0
_CACHE_WARNING_INTERVAL = 60.0


def _warn_cache_down(exc: Exception) -> None:
    """Log that the state cache failed, at most once a minute per process."""
    global _last_cache_warning  # noqa: PLW0603 - a rate limit, per process
    now = time.monotonic()
    if now - _last_cache_warning >= _CACHE_WARNING_INTERVAL:
        _last_cache_warning = now
        get_logger().warning(
            "The imagekit state cache failed (%s: %s); checking the storage instead.",
            type(exc).__name__,
            exc,
        )


def call_guarded(cache: Any, method: str, *args: Any, default: Any = None) -> Any:
    """Call *method* of *cache*; on any error, warn and return *default*.

    A cache outage must not take pages down: unknown states are then
    checked in storage, as if the cache had forgotten them.
    """
    try:
        return getattr(cache, method)(*args)
    except Exception as exc:  # noqa: BLE001 - any client error means "cache unavailable"
        _warn_cache_down(exc)
        return default
