"""Assertions shared by the scale-out tests."""

from __future__ import annotations

from collections.abc import Sequence

from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache

from imagekit.cachefiles.backends import CacheFileState

from .servers import Process, wait_for

#: Seconds a worker gets to make a file (they start in a second or two and make
#: a thumbnail in milliseconds; the margin is for slow CI machines).
WORKER_TIMEOUT = 60


def redis_state(file) -> str | None:
    """Return *file*'s state as stored in Redis (not in this process's memory)."""
    cache = caches["default"]
    assert isinstance(cache, RedisCache)
    return cache.get(file.cachefile_backend.get_key(file))


def wait_until_generated(file, workers: Sequence[Process] = ()) -> None:
    """Wait until a worker has recorded *file* as existing in Redis."""
    wait_for(
        lambda: redis_state(file) == CacheFileState.EXISTS,
        WORKER_TIMEOUT,
        f"a worker to generate {file.name}",
        logs=workers,
    )
