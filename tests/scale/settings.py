"""Settings shared by the scale-out test session and the workers it starts.

The test session creates a private run folder; the workers are handed its
path (and the test database's) through environment variables, so both sides
agree on where Redis listens, which SQLite file holds the data and where
files go. See ``tests/scale/servers.py``.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile

import django

from tests.testapp.settings import (  # noqa: F401 - re-exported as this module's settings
    DEBUG,
    DEFAULT_AUTO_FIELD,
    INSTALLED_APPS,
    MIDDLEWARE,
    SECRET_KEY,
    STATIC_URL,
    TEMPLATES,
    USE_TZ,
)

# A short path: Redis listens on a unix socket inside it (sun_path < 108 bytes).
RUN_DIR = os.environ.get("IMAGEKIT_SCALE_RUN_DIR", "")
if not RUN_DIR:
    RUN_DIR = tempfile.mkdtemp(prefix="ik-scale-", dir="/tmp" if os.name == "posix" else None)
    atexit.register(shutil.rmtree, RUN_DIR, ignore_errors=True)

REDIS_SOCKET = os.path.join(RUN_DIR, "redis.sock")


def redis_url(db: int) -> str:
    """Return the URL of Redis database *db* on the test server."""
    return f"unix://{REDIS_SOCKET}?db={db}"


INSTALLED_APPS = [
    *INSTALLED_APPS,
    "django_rq",
    "django_dramatiq",
    "django_tasks_db",
    "tests.scale",
]

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        # Workers get the test database's path; the test session creates it.
        "NAME": os.environ.get("IMAGEKIT_SCALE_DB") or os.path.join(RUN_DIR, "unused.sqlite3"),
        "TEST": {"NAME": os.path.join(RUN_DIR, "test.sqlite3")},
        "OPTIONS": {"timeout": 30},
    },
}

# Cache file states live in Redis, shared by the test process and the workers.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": redis_url(0),
    },
}
IMAGEKIT_CACHE_BACKEND = "default"

# The web processes (``manage.py runserver``, see servers.py) serve loopback.
ROOT_URLCONF = "tests.scale.urls"
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]

MEDIA_ROOT = os.path.join(RUN_DIR, "media")
MEDIA_URL = "/media/"

_s3_endpoint = os.environ.get("IMAGEKIT_SCALE_S3_ENDPOINT")
if _s3_endpoint:
    STORAGES = {
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": os.environ["IMAGEKIT_SCALE_S3_BUCKET"],
                "endpoint_url": _s3_endpoint,
                "access_key": "testing",
                "secret_key": "testing",
                "region_name": "us-east-1",
                "addressing_style": "path",
                "querystring_auth": False,
            },
        },
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }

IMAGEKIT_DEFAULT_CACHEFILE_BACKEND = os.environ.get(
    "IMAGEKIT_SCALE_BACKEND", "imagekit.cachefiles.backends.Simple"
)

# Each queue's tasks go to a queue named "imagekit" (the workers serve it).
IMAGEKIT_CELERY_QUEUE = "imagekit"
IMAGEKIT_RQ_QUEUE = "imagekit"
IMAGEKIT_DRAMATIQ_QUEUE = "imagekit"
IMAGEKIT_DJANGO_TASKS_QUEUE = "imagekit"

# --- Celery: the project's own app, tests/scale/celery_app.py -----------------
CELERY_BROKER_URL = f"redis+socket://{REDIS_SOCKET}?virtual_host=1"
CELERY_TASK_IGNORE_RESULT = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# --- RQ (django-rq) -------------------------------------------------------------
# Queues as a site configures them: RQ's default serializer, except for the
# one whose site chose JSON (its workers get the same --serializer).
RQ_QUEUES = {
    "default": {"URL": redis_url(2)},
    "imagekit": {"URL": redis_url(2)},
    "imagekit-pair": {"URL": redis_url(2)},
    "imagekit-idle": {"URL": redis_url(2)},  # no worker: jobs stay for inspection
    "imagekit-json": {"URL": redis_url(2), "SERIALIZER": "rq.serializers.JSONSerializer"},
    "imagekit-chosen": {"URL": redis_url(2)},  # IMAGEKIT_RQ_SERIALIZER picks JSON
}

# --- Dramatiq (django-dramatiq) -------------------------------------------------
DRAMATIQ_BROKER = {
    "BROKER": "dramatiq.brokers.redis.RedisBroker",
    "OPTIONS": {"url": redis_url(3)},
    "MIDDLEWARE": [
        "dramatiq.middleware.AgeLimit",
        "dramatiq.middleware.TimeLimit",
        "dramatiq.middleware.Callbacks",
        "django_dramatiq.middleware.DbConnectionsMiddleware",
    ],
}

# --- Django's tasks framework (django.tasks, or the backport on Django 5.2) ----
TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default", "imagekit"],
    },
}
if django.VERSION < (6, 0):
    INSTALLED_APPS.append("django_tasks")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"imagekit": {"handlers": ["console"], "level": "INFO"}},
}
