"""Cache file backends: remember whether a cache file exists, and make it.

A package, as Django's ``core/files/storage`` is: the state-keeping backend in
:mod:`.base`, the generation lock in :mod:`.lock`, the task-queue family in
:mod:`.queues`. Every name ImageKit exported from
``imagekit.cachefiles.backends`` is importable from here.
"""

from ...utils import get_default_cachefile_backend
from .base import (
    AbstractCacheFileBackend,
    CachedFileBackend,
    CacheFileState,
    InvalidFileBackendError,
    Simple,
)
from .queues import RQ, Async, BaseAsync, Celery, DjangoTasks, Dramatiq, QueueBackend

__all__ = [
    "RQ",
    "AbstractCacheFileBackend",
    "Async",
    "BaseAsync",
    "CacheFileState",
    "CachedFileBackend",
    "Celery",
    "DjangoTasks",
    "Dramatiq",
    "InvalidFileBackendError",
    "QueueBackend",
    "Simple",
    "get_default_cachefile_backend",
]
