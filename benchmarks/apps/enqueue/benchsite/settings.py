"""Settings of the ``enqueue.py`` project, shared by the script and the workers it starts.

The script makes a run folder and hands its path to the workers through
``IMAGEKIT_BENCH_RUN_DIR``, so both sides agree on where Redis listens, which
SQLite file holds the rows and where files go. Cache file states live in
Redis, as on a site with workers; ``IMAGEKIT_BENCH_BACKEND`` is the cache
file backend the workers see.
"""

from __future__ import annotations

import os

RUN_DIR = os.environ["IMAGEKIT_BENCH_RUN_DIR"]
REDIS_SOCKET = os.path.join(RUN_DIR, "redis.sock")


def redis_url(db: int) -> str:
    return f"unix://{REDIS_SOCKET}?db={db}"


DEBUG = False
SECRET_KEY = "imagekit-benchmarks"
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
INSTALLED_APPS = ["django.contrib.contenttypes", "imagekit", "django_rq", "benchapp"]
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.path.join(RUN_DIR, "bench.sqlite3"),
        "OPTIONS": {"timeout": 30},
    },
}
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_url(0)}
}
IMAGEKIT_CACHE_BACKEND = "default"
MEDIA_ROOT = os.path.join(RUN_DIR, "media")
MEDIA_URL = "/media/"
IMAGEKIT_DEFAULT_CACHEFILE_BACKEND = os.environ.get(
    "IMAGEKIT_BENCH_BACKEND", "imagekit.cachefiles.backends.Simple"
)

# The workers serve a queue named "imagekit".
IMAGEKIT_CELERY_QUEUE = "imagekit"
IMAGEKIT_RQ_QUEUE = "imagekit"
CELERY_BROKER_URL = f"redis+socket://{REDIS_SOCKET}?virtual_host=1"
CELERY_TASK_IGNORE_RESULT = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
RQ_QUEUES = {"default": {"URL": redis_url(2)}, "imagekit": {"URL": redis_url(2)}}
