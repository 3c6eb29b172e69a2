"""Backends that hand generation to a task queue: Celery, RQ, Dramatiq, Django tasks.

Each missing file becomes one task whose only argument is a JSON payload
(:mod:`imagekit.cachefiles.payloads`): plain data, never a pickle of code. The
worker rebuilds the file from it and generates it with ``generate_now``.
While a task waits, the file is marked "queued" in the state cache, so other
requests do not queue it again; that mark is kept by the backend
(:meth:`~imagekit.cachefiles.backends.CachedFileBackend.mark_queued`) and
nowhere else. Workers run :func:`imagekit.cachefiles.worker.generate_from_payload`.
"""

from __future__ import annotations

import warnings
from functools import partial
from importlib import import_module
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

from ..._typing import alters_data
from ...conf import setting
from ...utils import get_logger
from .base import CacheFileState, Simple

if TYPE_CHECKING:
    from .. import ImageCacheFile

__all__ = [
    "RQ",
    "Async",
    "BaseAsync",
    "Celery",
    "DjangoTasks",
    "Dramatiq",
    "QueueBackend",
]

logger = get_logger()


class BaseAsync(Simple):
    """Base class of backends that hand generation to something else.

    ``bool(file)`` is false until the file has been generated.
    """

    is_async = True

    @alters_data
    def generate(self, file: ImageCacheFile, force: bool = False) -> None:
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

    def schedule_generation(self, file: ImageCacheFile, force: bool = False) -> bool | None:
        raise NotImplementedError(
            "subclasses of BaseAsync must provide a schedule_generation() method"
        )


def _require(backend: str, extra: str, *module_names: str) -> Any:
    """Import and return the first of *module_names* that is installed.

    Raise ImproperlyConfigured, chained to the ImportError, if none is.
    """
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


class QueueBackend(BaseAsync):
    """What the task-queue backends share: JSON payloads, one task per missing file.

    ``schedule_generation`` describes the file as a JSON payload. When the
    current transaction commits, the file is marked "queued" and the payload
    handed to ``enqueue``, which subclasses provide. The worker runs
    :func:`imagekit.cachefiles.worker.generate_from_payload`.
    """

    #: Importable modules, the first one found is used (checked on construction).
    libraries: tuple[str, ...] = ()
    #: The ``pip install 'imagekit[extra]'`` that provides them.
    extra = ""

    def __init__(self) -> None:
        if self.libraries:
            _require(type(self).__name__, self.extra, *self.libraries)
        super().__init__()

    def get_state(self, file: ImageCacheFile, check_if_unknown: bool = True) -> str | None:
        """Return *file*'s state; a file waiting in the queue is "generating".

        The "queued" mark is a key of its own (so that the worker's
        ``generate_now`` does not wait for itself), asked only when the state
        does not already say the file exists or is being made.
        """
        state = super().get_state(file, check_if_unknown)
        if state in (None, CacheFileState.DOES_NOT_EXIST) and self.is_queued(file.name):
            return CacheFileState.GENERATING
        return state

    # --- sending ----------------------------------------------------------------------

    @alters_data
    def schedule_generation(self, file: ImageCacheFile, force: bool = False) -> bool:
        """Queue *file* for a worker; return True if it is (or already was) queued.

        If a worker could not make it from this source before (see
        :meth:`~imagekit.cachefiles.backends.CachedFileBackend.record_refusal`),
        nothing is queued and that error is raised, unless *force* is true.

        A file that no JSON payload can describe (its generator was not built
        through the registry, its arguments are not plain JSON, its source is
        not in a configured storage) is generated in this process instead,
        with a warning saying why; then return False. Pickling it onto the
        broker is not an option: a broker must never carry code to run.
        """
        from ..payloads import Unqueueable, payload_for

        if not force:
            refused = self.refusal(file)
            if refused is not None:
                raise refused
        try:
            payload = payload_for(file, force=force)
        except Unqueueable as exc:
            logger.warning(
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

    def _send(self, payload: dict[str, Any]) -> None:
        if not self.mark_queued(payload["name"]) and not payload["force"]:
            return  # a task for this file is waiting already
        try:
            self.enqueue(payload)
        except BaseException:
            self.forget_queued(payload["name"])
            raise

    def enqueue(self, payload: dict[str, Any]) -> None:
        """Send *payload* to the task queue."""
        raise NotImplementedError("subclasses of QueueBackend must provide an enqueue() method")


def _database_of(file: ImageCacheFile) -> str | None:
    """Return the database alias of the model instance *file*'s source belongs to."""
    source = getattr(file.generator, "source", None)
    state = getattr(getattr(source, "instance", None), "_state", None)
    return getattr(state, "db", None)


class Celery(QueueBackend):
    """Generate files in a Celery worker.

    The task is ``imagekit.generate_cachefile`` (module :mod:`imagekit.tasks`,
    which ``app.autodiscover_tasks()`` finds), a ``shared_task`` of the
    project's own Celery app, sent as JSON. ``IMAGEKIT_CELERY_QUEUE`` names
    its queue; None leaves routing to Celery's configuration.
    """

    libraries = ("celery",)
    extra = "celery"

    def enqueue(self, payload: dict[str, Any]) -> None:
        from ... import tasks

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


class RQ(QueueBackend):
    """Generate files in an RQ worker (through django-rq).

    Jobs go to the django-rq queue ``IMAGEKIT_RQ_QUEUE`` (default
    ``"default"``) and name their function by its dotted path; their one
    argument is the payload, plain data. They are serialized the way that
    queue is configured: the ``"SERIALIZER"`` of its ``RQ_QUEUES`` entry, or
    RQ's default, so a stock ``manage.py rqworker default`` runs them. A site
    that starts its workers with ``--serializer`` sets
    ``IMAGEKIT_RQ_SERIALIZER`` to the same dotted path.
    """

    libraries = ("django_rq",)
    extra = "rq"

    def enqueue(self, payload: dict[str, Any]) -> None:
        self._queue().enqueue_call(
            "imagekit.tasks.generate_cachefile", args=(payload,), result_ttl=0
        )

    def _queue(self) -> Any:
        # django-rq opens a new Redis connection for every queue object it
        # makes: keep one per queue name and serializer (pools survive forks).
        name, serializer = setting("IMAGEKIT_RQ_QUEUE"), setting("IMAGEKIT_RQ_SERIALIZER")
        queues = self.__dict__.setdefault("_rq_queues", {})
        queue = queues.get((name, serializer))
        if queue is None:
            import django_rq
            from rq.serializers import resolve_serializer

            if serializer is not None:
                try:
                    resolve_serializer(serializer)  # also takes RQ's "json" and "pickle"
                except (ImportError, AttributeError, ValueError, NotImplementedError) as exc:
                    raise ImproperlyConfigured(
                        f"IMAGEKIT_RQ_SERIALIZER = {serializer!r} is not an RQ serializer: {exc}"
                    ) from exc
            queue = queues[name, serializer] = django_rq.get_queue(name, serializer=serializer)
        return queue

    def __getstate__(self) -> dict[str, Any]:
        state = super().__getstate__()
        state.pop("_rq_queues", None)  # connections do not pickle
        return state


class Dramatiq(QueueBackend):
    """Generate files in a Dramatiq worker.

    The actor ``imagekit.generate_cachefile`` (module :mod:`imagekit.tasks`,
    which django-dramatiq discovers) is declared on Dramatiq's configured
    broker, on the queue ``IMAGEKIT_DRAMATIQ_QUEUE`` (default ``"default"``).
    """

    libraries = ("dramatiq",)
    extra = "dramatiq"

    def enqueue(self, payload: dict[str, Any]) -> None:
        from ... import tasks

        tasks.dramatiq_actor().send(payload)


class DjangoTasks(QueueBackend):
    """Generate files with Django's tasks framework.

    ``django.tasks`` on Django 6, the ``django-tasks`` backport on Django 5.2.
    The task :func:`imagekit.djangotasks.generate_cachefile` runs on the
    ``settings.TASKS`` backend ``IMAGEKIT_DJANGO_TASKS_BACKEND`` (default
    ``"default"``), queue ``IMAGEKIT_DJANGO_TASKS_QUEUE`` (default
    ``"default"``); a worker of that backend (``django-tasks-db``'s
    ``db_worker``, for example) runs it.
    """

    libraries = ("django.tasks", "django_tasks")
    extra = "tasks"

    def enqueue(self, payload: dict[str, Any]) -> None:
        from ... import djangotasks

        djangotasks.generate_cachefile.using(
            backend=setting("IMAGEKIT_DJANGO_TASKS_BACKEND"),
            queue_name=setting("IMAGEKIT_DJANGO_TASKS_QUEUE"),
        ).enqueue(payload)
