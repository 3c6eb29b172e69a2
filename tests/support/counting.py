"""Storage and cache backends that count the calls made to them, by method name.

Django builds them from settings (``STORAGES``, ``CACHES``), so they measure
whatever code runs, unchanged: the benchmarks count the I/O of a page with
them, against this project and against django-imagekit 6.1.1 alike (this
module needs Django and nothing else). ``STORAGE`` and ``CACHE`` hold the
counts of every instance; ``reset()`` and ``snapshot()`` bracket what is
measured.

Only outermost calls count: ``FileSystemStorage.save()`` calling ``exists()``
and ``path()`` internally, or ``BaseCache.get_many()`` calling ``get()`` per
key, is one call, as it would be one request to a remote storage or cache.
``Tracker.wrap()`` puts the same counting on an instance's methods (for a
backend built elsewhere).
"""

from __future__ import annotations

import functools
import threading
from collections import Counter

from django.core.cache.backends.filebased import FileBasedCache
from django.core.cache.backends.locmem import LocMemCache
from django.core.files.storage import FileSystemStorage

STORAGE_METHODS = (
    "exists",
    "open",
    "size",
    "url",
    "save",
    "path",
    "listdir",
    "delete",
    "get_modified_time",
    "get_created_time",
    "get_accessed_time",
)
CACHE_METHODS = (
    "get",
    "get_many",
    "set",
    "set_many",
    "add",
    "delete",
    "delete_many",
    "has_key",
    "touch",
    "incr",
    "decr",
    "get_or_set",
    "clear",
)


class Tracker:
    """Counts of outermost calls by method name (per thread, the nesting depth)."""

    def __init__(self):
        self.calls = Counter()
        self._local = threading.local()

    def reset(self):
        self.calls.clear()

    def snapshot(self):
        return dict(self.calls)

    def wrap(self, name, func):
        """Return *func*, counting each of its calls that no counted call made."""

        @functools.wraps(func)
        def counted(*args, **kwargs):
            depth = getattr(self._local, "depth", 0)
            if depth == 0:
                self.calls[name] += 1
            self._local.depth = depth + 1
            try:
                return func(*args, **kwargs)
            finally:
                self._local.depth = depth

        return counted


STORAGE = Tracker()
CACHE = Tracker()


def _count_calls(cls, base, tracker, names):
    for name in names:
        setattr(cls, name, tracker.wrap(name, getattr(base, name)))
    return cls


class CountingStorage(FileSystemStorage):
    """A FileSystemStorage whose calls ``STORAGE`` counts."""


class CountingLocMemCache(LocMemCache):
    """A LocMemCache whose calls ``CACHE`` counts."""


class CountingFileBasedCache(FileBasedCache):
    """A FileBasedCache (shared by processes, like memcached) whose calls ``CACHE`` counts."""


_count_calls(CountingStorage, FileSystemStorage, STORAGE, STORAGE_METHODS)
_count_calls(CountingLocMemCache, LocMemCache, CACHE, CACHE_METHODS)
_count_calls(CountingFileBasedCache, FileBasedCache, CACHE, CACHE_METHODS)
