"""Assertions and probes shared by the scale-out tests."""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import redis
from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache

from imagekit.cachefiles import ImageCacheFile, LazyImageCacheFile
from imagekit.cachefiles.backends import CacheFileState

from .servers import Process, wait_for

if TYPE_CHECKING:
    from .models import Upload
    from .servers import WebServer

#: Seconds a worker gets to make a file (they start in a second or two and make
#: a thumbnail in milliseconds; the margin is for slow CI machines).
WORKER_TIMEOUT = 60

#: The Redis database of django-rq's queues (see settings.RQ_QUEUES).
RQ_DB = 2


def raw_redis(db: int) -> redis.Redis:
    """Return a plain client of Redis database *db* on the session's server."""
    return redis.Redis(unix_socket_path=settings.REDIS_SOCKET, db=db)


def rq_job_data(queue: str) -> list[bytes]:
    """Return the data of every job waiting in the RQ *queue*, as RQ stored it.

    That is the function, instance, args and kwargs of the job, serialized
    by whichever serializer sent it (RQ compresses it with zlib); read
    straight from Redis, so no serializer is involved in reading it.
    """
    client = raw_redis(RQ_DB)
    ids = [job_id.decode() for job_id in client.lrange(f"rq:queue:{queue}", 0, -1)]
    return [zlib.decompress(client.hget(f"rq:job:{job_id}", "data")) for job_id in ids]


def redis_state(file) -> str | None:
    """Return *file*'s state as stored in Redis (not in this process's memory)."""
    cache = caches["default"]
    assert isinstance(cache, RedisCache)
    return cache.get(file.cachefile_backend.get_key(file))


def wait_until_generated(file, workers: Sequence[Process] = ()) -> None:
    """Wait until a worker has recorded *file* as existing in Redis."""
    wait_for(
        lambda: redis_state(file) == CacheFileState.EXISTS,
        WORKER_TIMEOUT,
        f"a worker to generate {file.name}",
        logs=workers,
    )


def tasks_in_flight(queues: Iterable[str]) -> int:
    """Return how many Django tasks on *queues* are waiting for a worker or running."""
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(
        status__in=["READY", "RUNNING"], queue_name__in=list(queues)
    ).count()


# --- the gallery page (views.gallery) ------------------------------------------------

IMG_SRC = re.compile(r'<img src="([^"]*)">')


def media_path(url: str) -> Path:
    """Return where the file served at *url* lives on disk."""
    assert url.startswith(settings.MEDIA_URL), url
    return Path(settings.MEDIA_ROOT, url.removeprefix(settings.MEDIA_URL))


def file_path(file: ImageCacheFile) -> Path:
    """Return where *file* lives on disk (its name costs nothing; its URL may generate it)."""
    return Path(settings.MEDIA_ROOT, file.name)


def serve_gallery(server: WebServer) -> list[Path]:
    """Have *server* serve the gallery; return the files its images point to."""
    urls = IMG_SRC.findall(server.get("/gallery/"))
    assert urls, "the gallery shows no image"
    return [media_path(url) for url in urls]


def gallery_files(upload: Upload) -> list[ImageCacheFile]:
    """Return the cache files the gallery shows for *upload*, in its order."""
    tag = LazyImageCacheFile("imagekit:thumbnail", source=upload.image, width=20, height=20)
    return [upload.thumbnail, upload.counted, tag]
