"""The generation lock: one process makes a missing file, the others wait for it.

The lock is a key in the state cache, taken with ``cache.add`` (atomic in every
Django cache backend that shares state between processes) and holding a random
token, so a process only ever removes its own lock. It expires after
``IMAGEKIT_GENERATING_TIMEOUT`` seconds: a generator that died blocks nobody
for longer.
"""

from __future__ import annotations

import time
import uuid
from typing import TYPE_CHECKING

from ...conf import setting
from ...utils import sanitize_cache_key

if TYPE_CHECKING:
    from ..._typing import Named
    from .base import CachedFileBackend

__all__ = ["acquire", "lock_key", "release", "release_many", "wait_until_made"]

#: Returned by a guarded cache call when the cache failed.
CACHE_DOWN = object()


def lock_key(file: Named) -> str:
    """Return the cache key of the lock held while *file* is generated."""
    return sanitize_cache_key(f"{setting('IMAGEKIT_CACHE_PREFIX')}{file.name}-lock")


def acquire(backend: CachedFileBackend, file: Named) -> str | None:
    """Take the lock on *file*; return its token, or None if another holds it.

    With the cache down there is no lock to take: the file is generated
    rather than the page failed.
    """
    token = uuid.uuid4().hex
    added = backend.cache_call(
        "add",
        backend.get_lock_key(file),
        token,
        setting("IMAGEKIT_GENERATING_TIMEOUT"),
        default=CACHE_DOWN,
    )
    if added is CACHE_DOWN:
        return token
    return token if added else None


def release(backend: CachedFileBackend, file: Named, token: str) -> None:
    """Release the lock on *file* if *token* still holds it.

    Two round trips (get, then delete) so that a lock that expired during a
    very slow generation, and was taken since, is not removed from under its
    new owner.
    """
    key = backend.get_lock_key(file)
    if backend.cache_call("get", key) == token:
        backend.cache_call("delete", key)


def release_many(backend: CachedFileBackend, held: list[tuple[Named, str]]) -> None:
    """Release the locks of many files at once: *held* lists ``(file, token)``.

    As :func:`release`, only the locks still holding their token are
    removed, in two round trips for the lot (``get_many``, ``delete_many``).
    """
    if not held:
        return
    tokens = {backend.get_lock_key(file): token for file, token in held}
    found = backend.cache_call("get_many", list(tokens), default={})
    mine = [key for key, token in tokens.items() if found.get(key) == token]
    if mine:
        backend.cache_call("delete_many", mine)


def wait_until_made(backend: CachedFileBackend, file: Named, made: str) -> bool:
    """Wait while another process generates *file*; return whether it is *made* now.

    *made* is the state that says the file exists. Return False at once when
    nobody holds the lock (a stale "generating" mark), and after
    ``IMAGEKIT_GENERATING_TIMEOUT`` seconds at the latest.
    """
    state_key, key = backend.get_key(file), backend.get_lock_key(file)
    deadline = time.monotonic() + setting("IMAGEKIT_GENERATING_TIMEOUT")
    delay = 0.01
    while True:
        found = backend.cache_call("get_many", [state_key, key], default=CACHE_DOWN)
        if found is CACHE_DOWN:
            return False
        if found.get(state_key) == made:
            return True
        if key not in found or time.monotonic() >= deadline:
            return False
        time.sleep(delay)
        delay = min(delay * 2, 0.2)
