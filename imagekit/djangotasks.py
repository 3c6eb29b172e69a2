"""The task that makes cache files with Django's tasks framework.

``django.tasks`` on Django 6, the ``django-tasks`` backport on Django 5.2.
:class:`~imagekit.cachefiles.backends.DjangoTasks` enqueues it on the
``settings.TASKS`` backend ``IMAGEKIT_DJANGO_TASKS_BACKEND``, queue
``IMAGEKIT_DJANGO_TASKS_QUEUE``. That backend's worker runs it (for example
``manage.py db_worker`` from django-tasks-db).

This module is separate from :mod:`imagekit.tasks` because creating a task
validates it against the configured ``TASKS`` backend: only projects that use
the backend import it.
"""

from __future__ import annotations

from typing import Any

from .cachefiles.worker import generate_from_payload
from .conf import setting

try:
    from django.tasks import task
except ImportError:  # Django 5.2: the backport
    from django_tasks import task  # type: ignore[no-redef]

__all__ = ["generate_cachefile"]


@task(
    backend=setting("IMAGEKIT_DJANGO_TASKS_BACKEND"),
    queue_name=setting("IMAGEKIT_DJANGO_TASKS_QUEUE"),
)
def generate_cachefile(payload: dict[str, Any]) -> None:
    """Make the cache file described by *payload*."""
    generate_from_payload(payload)
