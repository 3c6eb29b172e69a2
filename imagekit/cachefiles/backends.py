"""Cache file backends: remember whether a cache file exists, and make it.

Nothing about cache files is stored in the database. A backend keeps each
file's state (:class:`CacheFileState`) in the Django cache named by
``IMAGEKIT_CACHE_BACKEND`` so that it rarely has to ask the storage.
"""

from __future__ import annotations

import warnings
from copy import copy
from typing import Any

from django.conf import settings
from django.core.cache.backends.dummy import DummyCache
from django.core.exceptions import ImproperlyConfigured

from ..conf import setting
from ..utils import get_cache, get_singleton, sanitize_cache_key
from .state import get_active_state_cache, known_files

__all__ = [
    "RQ",
    "AbstractCacheFileBackend",
    "Async",
    "BaseAsync",
    "CacheFileState",
    "CachedFileBackend",
    "Celery",
    "Dramatiq",
    "InvalidFileBackendError",
    "Simple",
    "get_default_cachefile_backend",
]


def _parse_dimensions(value: Any) -> tuple[int, int] | None:
    """Parse a stored ``"WxH"`` value; anything else is "unknown"."""
    if not isinstance(value, str):
        return None
    width, sep, height = value.partition("x")
    if not sep or not width.isdigit() or not height.isdigit():
        return None
    return int(width), int(height)


class CacheFileState:
    """The states a backend records for a cache file."""

    EXISTS = "exists"
    GENERATING = "generating"
    DOES_NOT_EXIST = "does_not_exist"


class InvalidFileBackendError(ImproperlyConfigured):
    """A cache file backend is configured wrongly."""


def get_default_cachefile_backend() -> Any:
    """Return the shared instance of ``IMAGEKIT_DEFAULT_CACHEFILE_BACKEND``."""
    return get_singleton(setting("IMAGEKIT_DEFAULT_CACHEFILE_BACKEND"), "file backend")


class AbstractCacheFileBackend:
    """The interface of a cache file backend.

    A backend must provide ``generate(file, force=False)`` and ``exists(file)``.
    """

    def generate(self, file: Any, force: bool = False) -> None:
        raise NotImplementedError(
            "subclasses of AbstractCacheFileBackend must provide a generate() method"
        )

    def exists(self, file: Any) -> bool:
        raise NotImplementedError(
            "subclasses of AbstractCacheFileBackend must provide an exists() method"
        )


class CachedFileBackend:
    """A backend that remembers file states in the Django cache.

    Subclasses provide ``_exists(file)`` (ask the storage) and ``generate``.
    """

    #: Seconds a "does not exist" answer is remembered.
    existence_check_timeout = 5

    @property
    def cache(self) -> Any:
        """The Django cache holding states (looked up on first use)."""
        cache = getattr(self, "_cache", None)
        if cache is None:
            cache = self._cache = get_cache()
        return cache

    @cache.setter
    def cache(self, value: Any) -> None:
        self._cache = value

    def __getstate__(self) -> dict[str, Any]:
        state = copy(self.__dict__)
        state.pop("_cache", None)  # cache clients do not pickle; look it up again
        return state

    def get_key(self, file: Any) -> str:
        """Return the cache key for *file*'s state."""
        return sanitize_cache_key(f"{setting('IMAGEKIT_CACHE_PREFIX')}{file.name}-state")

    def get_dimensions_key(self, file: Any) -> str:
        """Return the cache key for *file*'s width and height."""
        return sanitize_cache_key(f"{setting('IMAGEKIT_CACHE_PREFIX')}{file.name}-dimensions")

    def get_keys(self, file: Any) -> tuple[str, str]:
        """Return the state key and the dimensions key of *file*.

        They are kept on the file object (for its current name and prefix):
        a warm page asks for them several times per file.
        """
        memo = getattr(file, "_ik_state_keys", None)
        marker = (
            file.name,
            setting("IMAGEKIT_CACHE_PREFIX"),
            setting("IMAGEKIT_USE_MEMCACHED_SAFE_CACHE_KEY"),
        )
        if memo is not None and memo[0] == marker and type(self).get_key is _base_get_key:
            return memo[1]
        keys = (self.get_key(file), self.get_dimensions_key(file))
        try:
            file._ik_state_keys = (marker, keys)
        except AttributeError:  # files that take no attributes: no memo
            pass
        return keys

    def _remembers(self) -> bool:
        # A DummyCache means "remember nothing" (the default under DEBUG):
        # the per-process memory must not remember either.
        return not isinstance(self.cache, DummyCache)

    def get_state(self, file: Any, check_if_unknown: bool = True) -> str | None:
        """Return *file*'s state.

        Asked in turn: this process's memory of files known to exist, the
        request-local state cache, the Django cache (state and dimensions in
        one round trip). If none knows and *check_if_unknown* is true, the
        storage is asked and the answer is remembered.
        """
        key, dims_key = self.get_keys(file)
        known, _dims = known_files.get(key)
        if known and self._remembers():
            return CacheFileState.EXISTS
        local = get_active_state_cache()
        if local is not None and key in local:
            state = local[key]
            dims = local.get(dims_key)
        else:
            found = self.cache.get_many([key, dims_key])
            state, dims = found.get(key), found.get(dims_key)
            if local is not None:
                local[key] = state
                local[dims_key] = dims
        if state == CacheFileState.EXISTS:
            if self._remembers():
                known_files.remember(key, _parse_dimensions(dims))
        elif state is None and check_if_unknown:
            exists = self._exists(file)
            state = CacheFileState.EXISTS if exists else CacheFileState.DOES_NOT_EXIST
            self.set_state(file, state)
        return state

    def set_state(self, file: Any, state: str, dimensions: tuple[int, int] | None = None) -> None:
        """Remember *state* (and, for an existing file, its *dimensions*) for *file*.

        "Does not exist" is kept for ``existence_check_timeout`` seconds, other
        states for ``IMAGEKIT_CACHE_TIMEOUT`` (``None``: forever).
        """
        key, dims_key = self.get_keys(file)
        local = get_active_state_cache()
        if state == CacheFileState.DOES_NOT_EXIST:
            self.cache.set(key, state, self.existence_check_timeout)
        elif dimensions is not None:
            value = f"{dimensions[0]}x{dimensions[1]}"
            self.cache.set_many({key: state, dims_key: value}, settings.IMAGEKIT_CACHE_TIMEOUT)
            if local is not None:
                local[dims_key] = value
        else:
            self.cache.set(key, state, settings.IMAGEKIT_CACHE_TIMEOUT)
        if local is not None:
            local[key] = state
        if state == CacheFileState.EXISTS and self._remembers():
            known_files.remember(key, dimensions)
        else:
            known_files.forget(key)

    set_state.alters_data = True

    def get_dimensions(self, file: Any) -> tuple[int, int] | None:
        """Return *file*'s ``(width, height)`` if known without opening it.

        Sizes are recorded when a file is generated, or the first time a file
        made elsewhere (by ImageKit, say) is measured.
        """
        key, dims_key = self.get_keys(file)
        known, dims = known_files.get(key)
        if dims is not None and self._remembers():
            return dims
        local = get_active_state_cache()
        if local is not None and dims_key in local:
            return _parse_dimensions(local[dims_key])
        if known:
            # Known to exist, size never recorded here: ask the shared cache.
            dims = _parse_dimensions(self.cache.get(dims_key))
            if dims is not None:
                known_files.remember(key, dims)
            return dims
        return None

    def set_dimensions(self, file: Any, dimensions: tuple[int, int]) -> None:
        """Record the size of an existing *file* measured by reading it."""
        self.set_state(file, CacheFileState.EXISTS, dimensions=dimensions)

    set_dimensions.alters_data = True

    def exists(self, file: Any) -> bool:
        """Return whether *file* exists (asking the storage only if unknown)."""
        return self.get_state(file) == CacheFileState.EXISTS

    def _exists(self, file: Any) -> bool:
        raise NotImplementedError(
            "subclasses of CachedFileBackend must provide an _exists() method"
        )

    def generate_now(self, file: Any, force: bool = False) -> None:
        """Generate *file* in this process unless it exists or is being made.

        If generation fails, the "generating" mark is dropped again so that the
        next request tries afresh instead of waiting for a file that will never
        come.
        """
        if not force and self.get_state(file) in (
            CacheFileState.GENERATING,
            CacheFileState.EXISTS,
        ):
            return
        self.set_state(file, CacheFileState.GENERATING)
        try:
            file._generate()
        except BaseException:
            self._forget_state(file)
            raise
        self.set_state(
            file, CacheFileState.EXISTS, dimensions=getattr(file, "_dimensions_cache", None)
        )
        file.close()

    generate_now.alters_data = True

    def _forget_state(self, file: Any) -> None:
        key = self.get_key(file)
        self.cache.delete(key)
        known_files.forget(key)
        local = get_active_state_cache()
        if local is not None:
            local.pop(key, None)


_base_get_key = CachedFileBackend.get_key


class Simple(CachedFileBackend):
    """Generate files synchronously, in the process that needs them."""

    def generate(self, file: Any, force: bool = False) -> None:
        self.generate_now(file, force=force)

    generate.alters_data = True

    def _exists(self, file: Any) -> bool:
        if getattr(file, "_file", None) is not None:
            return True
        return bool(file.name) and file.storage.exists(file.name)


class BaseAsync(Simple):
    """Base class of backends that hand generation to a task queue.

    ``bool(file)`` is false until a worker has generated the file.
    """

    is_async = True

    def generate(self, file: Any, force: bool = False) -> None:
        # Skip files known to exist or already queued, without asking the
        # storage: a stale answer only costs a no-op task, since the worker's
        # generate_now() checks again. The file is not marked "generating"
        # here: the worker's generate_now() (force=False, as in ImageKit's
        # tasks) would then skip the very file it was asked to make. It marks
        # the file itself.
        if not force and self.get_state(file, check_if_unknown=False) in (
            CacheFileState.GENERATING,
            CacheFileState.EXISTS,
        ):
            return
        self.schedule_generation(file, force=force)

    generate.alters_data = True

    def schedule_generation(self, file: Any, force: bool = False) -> None:
        raise NotImplementedError(
            "subclasses of BaseAsync must provide a schedule_generation() method"
        )


def _require(module_name: str, backend: str, extra: str) -> Any:
    from importlib import import_module

    try:
        return import_module(module_name)
    except ImportError as exc:
        raise ImproperlyConfigured(
            f"The {backend} cache file backend needs the {module_name!r} package: "
            f"pip install 'imagekit[{extra}]'"
        ) from exc


class _QueueBackend(BaseAsync):
    """Shared construction of the task-queue backends."""

    _library = ""
    _extra = ""

    def __init__(self) -> None:
        _require(self._library, type(self).__name__, self._extra)
        super().__init__()

    def schedule_generation(self, file: Any, force: bool = False) -> None:
        # Real queueing (JSON payloads, no pickle) is tracked in issue #6.
        raise NotImplementedError(
            f"{type(self).__name__}.schedule_generation() is not available yet (issue #6)"
        )


class Celery(_QueueBackend):
    """Generate files in a Celery worker."""

    _library = "celery"
    _extra = "celery"


class Async(Celery):
    """Deprecated alias of :class:`Celery`."""

    def __init__(self) -> None:
        warnings.warn(
            "imagekit.cachefiles.backends.Async is deprecated; "
            "use imagekit.cachefiles.backends.Celery instead.",
            DeprecationWarning,
            stacklevel=2,
        )
        super().__init__()


class RQ(_QueueBackend):
    """Generate files in an RQ worker (through django-rq)."""

    _library = "django_rq"
    _extra = "rq"


class Dramatiq(_QueueBackend):
    """Generate files in a Dramatiq worker."""

    _library = "dramatiq"
    _extra = "dramatiq"
