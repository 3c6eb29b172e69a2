"""The Celery app of the ``enqueue.py`` project, set up as Celery's Django guide says."""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchsite.settings")

app = Celery("imagekit_enqueue_benchmark")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
