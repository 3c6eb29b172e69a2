"""The test project's own Celery app, set up as Celery's Django guide says."""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.scale.settings")

app = Celery("imagekit_scale_tests")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
