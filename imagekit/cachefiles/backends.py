"""Cache file backends: remember whether a cache file exists, and make it.

Nothing about cache files is stored in the database. A backend keeps each
file's state (:class:`CacheFileState`) in the Django cache named by
``IMAGEKIT_CACHE_BACKEND`` so that it rarely has to ask the storage.
"""

from __future__ import annotations

import time
import uuid
import warnings
from copy import copy
from functools import partial
from typing import Any

from django.core.cache.backends.dummy import DummyCache
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

from ..conf import setting
from ..utils import get_cache, get_logger, get_singleton, sanitize_cache_key
from .state import get_active_state_cache, known_files

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
    "Simple",
    "get_default_cachefile_backend",
]


_CACHE_DOWN = object()
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
            found = self._cache_call("get_many", [key, dims_key], default={})
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

        "Does not exist" is kept for ``existence_check_timeout`` seconds,
        "generating" for ``IMAGEKIT_GENERATING_TIMEOUT`` (so a generator that
        died blocks nothing for long), "exists" for ``IMAGEKIT_CACHE_TIMEOUT``
        (``None``: forever).
        """
        key, dims_key = self.get_keys(file)
        local = get_active_state_cache()
        if state == CacheFileState.DOES_NOT_EXIST:
            self._cache_call("set", key, state, self.existence_check_timeout)
        elif dimensions is not None:
            value = f"{dimensions[0]}x{dimensions[1]}"
            self._cache_call("set_many", {key: state, dims_key: value}, self._timeout(state))
            if local is not None:
                local[dims_key] = value
        else:
            self._cache_call("set", key, state, self._timeout(state))
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
            dims = _parse_dimensions(self._cache_call("get", dims_key))
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
        """Generate *file* in this process, exactly once, unless it exists.

        A lock in the state cache makes concurrent requests for the same file
        (threads, processes, task workers sharing the cache) run the
        processors once: the others wait, up to ``IMAGEKIT_GENERATING_TIMEOUT``
        seconds, for the file to exist, so every caller that goes on to use
        its URL finds a complete image. A generator that dies leaves a
        "generating" mark and a lock that expire after that timeout. If
        generation fails, the mark is dropped at once, so the next request
        tries again.
        """
        if not force:
            state = self.get_state(file)
            if state == CacheFileState.EXISTS:
                return
            if state == CacheFileState.GENERATING and self._wait_for(file):
                return
        token = self._lock(file)
        while token is None:  # someone else is generating it
            if self._wait_for(file) and not force:
                return
            token = self._lock(file)
        try:
            if not force and self._shared_state(file) == CacheFileState.EXISTS:
                return  # made while we waited for the lock
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
        finally:
            self._unlock(file, token)

    generate_now.alters_data = True

    # --- the generation lock -------------------------------------------------

    def get_lock_key(self, file: Any) -> str:
        """Return the cache key of the lock held while *file* is generated."""
        return sanitize_cache_key(f"{setting('IMAGEKIT_CACHE_PREFIX')}{file.name}-lock")

    def _timeout(self, state: str) -> int | None:
        if state == CacheFileState.GENERATING:
            return setting("IMAGEKIT_GENERATING_TIMEOUT")
        return setting("IMAGEKIT_CACHE_TIMEOUT")

    def _lock(self, file: Any) -> str | None:
        """Take the generation lock; return its token, or None if it is taken."""
        token = uuid.uuid4().hex
        added = self._cache_call(
            "add",
            self.get_lock_key(file),
            token,
            setting("IMAGEKIT_GENERATING_TIMEOUT"),
            default=_CACHE_DOWN,
        )
        if added is _CACHE_DOWN:
            return token  # no cache, no lock: generate rather than fail the page
        return token if added else None

    def _unlock(self, file: Any, token: str) -> None:
        key = self.get_lock_key(file)
        if self._cache_call("get", key) == token:  # only our own lock
            self._cache_call("delete", key)

    def _shared_state(self, file: Any) -> str | None:
        """Return the state in the shared cache (not this process's memory)."""
        return self._cache_call("get", self.get_key(file))

    def _wait_for(self, file: Any) -> bool:
        """Wait while another process generates *file*; return whether it exists.

        Returns False at once if nobody holds the lock (a stale mark), and
        after ``IMAGEKIT_GENERATING_TIMEOUT`` seconds at the latest.
        """
        state_key, lock_key = self.get_key(file), self.get_lock_key(file)
        deadline = time.monotonic() + setting("IMAGEKIT_GENERATING_TIMEOUT")
        delay = 0.01
        while True:
            found = self._cache_call("get_many", [state_key, lock_key], default=_CACHE_DOWN)
            if found is _CACHE_DOWN:
                return False
            if found.get(state_key) == CacheFileState.EXISTS:
                known_files.remember(state_key)
                return True
            if lock_key not in found or time.monotonic() >= deadline:
                return False
            time.sleep(delay)
            delay = min(delay * 2, 0.2)

    # --- the cache, which may be down ------------------------------------------

    def _cache_call(self, method: str, *args: Any, default: Any = None) -> Any:
        """Call a method of the state cache; on any error, warn and return *default*.

        A cache outage must not take pages down: unknown states are then
        checked in storage, as if the cache had forgotten them.
        """
        try:
            return getattr(self.cache, method)(*args)
        except Exception as exc:  # noqa: BLE001 - any client error means "cache unavailable"
            _warn_cache_down(exc)
            return default

    def _forget_state(self, file: Any) -> None:
        key = self.get_key(file)
        self._cache_call("delete", key)
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


def _require(backend: str, extra: str, *module_names: str) -> Any:
    """Import and return the first of *module_names* that is installed.

    Raise ImproperlyConfigured, chained to the ImportError, if none is.
    """
    from importlib import import_module

    if not module_names:
        return None
    error: ImportError | None = None
    for module_name in module_names:
        try:
            return import_module(module_name)
        except ImportError as exc:
            error = error or exc
    names = " or ".join(repr(name) for name in module_names)
    raise ImproperlyConfigured(
        f"The {backend} cache file backend needs the {names} package: "
        f"pip install 'imagekit[{extra}]'"
    ) from error


class _QueueBackend(BaseAsync):
    """What the task-queue backends share: JSON payloads, one task per missing file.

    ``schedule_generation`` describes the file as a JSON payload (see
    :mod:`imagekit.cachefiles.payloads`; nothing is pickled). When the
    current transaction commits, ``_send`` marks the file "queued" in the
    state cache, so that other requests do not queue it again, and hands the
    payload to ``enqueue``, which subclasses provide. The worker rebuilds the
    file and calls ``generate_now``.
    """

    #: Importable modules, the first one found is used (checked on construction).
    _libraries: tuple[str, ...] = ()
    #: The ``pip install 'imagekit[extra]'`` that provides them.
    _extra = ""

    def __init__(self) -> None:
        _require(type(self).__name__, self._extra, *self._libraries)
        super().__init__()

    def get_state(self, file: Any, check_if_unknown: bool = True) -> str | None:
        """Return *file*'s state; a file waiting in the queue is "generating".

        The "queued" mark is a key of its own (so that the worker's
        ``generate_now`` does not wait for itself), asked only when the state
        does not already say the file exists or is being made.
        """
        state = super().get_state(file, check_if_unknown)
        if state in (None, CacheFileState.DOES_NOT_EXIST):
            from .payloads import queued_key

            if self._cache_call("get", queued_key(file.name)):
                return CacheFileState.GENERATING
        return state

    def schedule_generation(self, file: Any, force: bool = False) -> bool:
        """Queue *file* for a worker; return True if it is (or already was) queued.

        A file that no JSON payload can describe (its generator was not built
        through the registry, its arguments are not plain JSON, its source is
        not in a configured storage) is generated in this process instead,
        with a warning saying why; then return False. Pickling it onto the
        broker is not an option: a broker must never carry code to run.
        """
        from .payloads import Unqueueable, payload_for

        try:
            payload = payload_for(file, force=force)
        except Unqueueable as exc:
            get_logger().warning(
                "The %s backend cannot queue %s: %s. It is generated in this process instead.",
                type(self).__name__,
                file.name,
                exc,
            )
            self.generate_now(file, force=force)
            return False
        # Send once the current transaction commits (at once outside one): a
        # worker must find the model instance that a source was saved with,
        # and a rolled-back save queues nothing.
        transaction.on_commit(partial(self._send, payload), using=_database_of(file))
        return True

    schedule_generation.alters_data = True

    def _send(self, payload: dict[str, Any]) -> None:
        from .payloads import queued_key

        key = queued_key(payload["name"])
        # With the cache down, nothing can be marked: send anyway.
        marked = self._cache_call("add", key, 1, setting("IMAGEKIT_QUEUED_TIMEOUT"), default=True)
        if not marked and not payload["force"]:
            return  # a task for this file is waiting already
        try:
            self.enqueue(payload)
        except BaseException:
            self._cache_call("delete", key)
            raise

    def enqueue(self, payload: dict[str, Any]) -> None:
        """Send *payload* to the task queue."""
        raise NotImplementedError("subclasses of _QueueBackend must provide an enqueue() method")


def _database_of(file: Any) -> str | None:
    """Return the database alias of the model instance *file*'s source belongs to."""
    source = getattr(file.generator, "source", None)
    state = getattr(getattr(source, "instance", None), "_state", None)
    return getattr(state, "db", None)


class Celery(_QueueBackend):
    """Generate files in a Celery worker.

    The task is ``imagekit.generate_cachefile`` (module :mod:`imagekit.tasks`,
    which ``app.autodiscover_tasks()`` finds), a ``shared_task`` of the
    project's own Celery app, sent as JSON. ``IMAGEKIT_CELERY_QUEUE`` names
    its queue; None leaves routing to Celery's configuration.
    """

    _libraries = ("celery",)
    _extra = "celery"

    def enqueue(self, payload: dict[str, Any]) -> None:
        from .. import tasks

        queue = setting("IMAGEKIT_CELERY_QUEUE")
        options = {"queue": queue} if queue else {}
        tasks.celery_generate_cachefile.apply_async(args=(payload,), **options)


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
    """Generate files in an RQ worker (through django-rq).

    Jobs go to the django-rq queue ``IMAGEKIT_RQ_QUEUE`` (default
    ``"default"``) with RQ's JSON serializer, so the worker serving that queue
    must use it too: ``manage.py rqworker --serializer
    rq.serializers.JSONSerializer QUEUE``.
    """

    _libraries = ("django_rq",)
    _extra = "rq"

    def enqueue(self, payload: dict[str, Any]) -> None:
        self._queue().enqueue_call(
            "imagekit.tasks.generate_cachefile", args=(payload,), result_ttl=0
        )

    def _queue(self) -> Any:
        # django-rq opens a new Redis connection for every queue object it
        # makes: keep one per queue name (connection pools survive forks).
        name = setting("IMAGEKIT_RQ_QUEUE")
        queues = self.__dict__.setdefault("_rq_queues", {})
        queue = queues.get(name)
        if queue is None:
            import django_rq
            from rq.serializers import JSONSerializer

            queue = queues[name] = django_rq.get_queue(name, serializer=JSONSerializer)
        return queue

    def __getstate__(self) -> dict[str, Any]:
        state = super().__getstate__()
        state.pop("_rq_queues", None)  # connections do not pickle
        return state


class Dramatiq(_QueueBackend):
    """Generate files in a Dramatiq worker.

    The actor ``imagekit.generate_cachefile`` (module :mod:`imagekit.tasks`,
    which django-dramatiq discovers) is declared on Dramatiq's configured
    broker, on the queue ``IMAGEKIT_DRAMATIQ_QUEUE`` (default ``"default"``).
    """

    _libraries = ("dramatiq",)
    _extra = "dramatiq"

    def enqueue(self, payload: dict[str, Any]) -> None:
        from .. import tasks

        tasks.dramatiq_actor().send(payload)


class DjangoTasks(_QueueBackend):
    """Generate files with Django's tasks framework.

    ``django.tasks`` on Django 6, the ``django-tasks`` backport on Django 5.2.
    The task :func:`imagekit.djangotasks.generate_cachefile` runs on the
    ``settings.TASKS`` backend ``IMAGEKIT_DJANGO_TASKS_BACKEND`` (default
    ``"default"``), queue ``IMAGEKIT_DJANGO_TASKS_QUEUE`` (default
    ``"default"``); a worker of that backend (``django-tasks-db``'s
    ``db_worker``, for example) runs it.
    """

    _libraries = ("django.tasks", "django_tasks")
    _extra = "tasks"

    def enqueue(self, payload: dict[str, Any]) -> None:
        from .. import djangotasks

        djangotasks.generate_cachefile.using(
            backend=setting("IMAGEKIT_DJANGO_TASKS_BACKEND"),
            queue_name=setting("IMAGEKIT_DJANGO_TASKS_QUEUE"),
        ).enqueue(payload)
