"""The tasks that make cache files in task-queue workers.

Every task takes one argument, the JSON payload described in
:mod:`imagekit.cachefiles.payloads`, and runs
:func:`~imagekit.cachefiles.worker.generate_from_payload`. The backends in
:mod:`imagekit.cachefiles.backends` send them:

* RQ runs :func:`generate_cachefile` itself (jobs name it by dotted path).
* Celery runs the ``shared_task`` named ``imagekit.generate_cachefile``. Being
  ``imagekit.tasks``, this module is found by ``app.autodiscover_tasks()``.
* Dramatiq runs the actor ``imagekit.generate_cachefile`` (see
  :func:`dramatiq_actor`). django-dramatiq discovers this module too.

The task for Django's tasks framework lives in :mod:`imagekit.djangotasks`,
because creating it checks the ``TASKS`` setting.

Importing this module declares the Celery task (if Celery is installed) and
the Dramatiq actor (if Dramatiq has a broker already): that is how workers
learn about tasks. Nothing else happens on import.
"""

from __future__ import annotations

import threading
from typing import Any

from .cachefiles.worker import generate_from_payload
from .conf import setting

__all__ = ["TASK_NAME", "celery_generate_cachefile", "dramatiq_actor", "generate_cachefile"]

#: The name of the task in Celery and of the actor in Dramatiq.
TASK_NAME = "imagekit.generate_cachefile"


def generate_cachefile(payload: dict[str, Any]) -> None:
    """Make the cache file described by *payload* (RQ's job function)."""
    generate_from_payload(payload)


try:
    from celery import shared_task
except ImportError:  # Celery is optional
    celery_generate_cachefile: Any = None
else:
    # The project's own Celery app picks this up (shared_task), with its own
    # broker and routing. JSON, not ImageKit's pickle: see payloads.
    celery_generate_cachefile = shared_task(name=TASK_NAME, ignore_result=True, serializer="json")(
        generate_cachefile
    )


_lock = threading.Lock()
_actors: dict[str, Any] = {}


def dramatiq_actor() -> Any:
    """Return the Dramatiq actor, declaring it on Dramatiq's broker on first use.

    Its queue is ``IMAGEKIT_DRAMATIQ_QUEUE`` as set at that moment.
    """
    with _lock:
        actor = _actors.get("dramatiq")
        if actor is None:
            import dramatiq

            # dramatiq.actor(fn, **options) works; its overloads omit that form.
            actor = _actors["dramatiq"] = dramatiq.actor(  # type: ignore[call-overload]
                generate_cachefile,
                actor_name=TASK_NAME,
                queue_name=setting("IMAGEKIT_DRAMATIQ_QUEUE"),
            )
        return actor


def _dramatiq_has_broker() -> bool:
    # Declaring an actor before a broker is configured would make Dramatiq
    # create its default (RabbitMQ) broker, in every process that imports this
    # module (Celery workers included). django-dramatiq sets the broker when
    # Django starts, before its workers import this module.
    try:
        from dramatiq import broker
    except ImportError:
        return False
    return broker.global_broker is not None


if _dramatiq_has_broker():
    dramatiq_actor()
