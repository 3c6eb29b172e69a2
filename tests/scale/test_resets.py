"""A site resets its cache files; every web process notices (issue #10).

Sites reset the way users do: they clear the cache (Redis' ``FLUSHALL``, or
``cache.clear()``) and delete the ``CACHE/`` folder or a file, and expect
the thumbnails to come back. Each web process remembers, between requests,
files it has seen exist; these tests check that no process goes on serving
URLs of files that are gone. The web processes are real
(``manage.py runserver``, see servers.py), so every page goes through
Django's request cycle, and they share Redis, the database and the media
folder with the test process and the workers.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import caches

from imagekit.cachefiles.backends import CacheFileState

from .helpers import (
    WORKER_TIMEOUT,
    file_path,
    gallery_files,
    raw_redis,
    redis_state,
    serve_gallery,
)
from .models import Upload, runs_marker
from .servers import Process, WebServer, wait_for

pytestmark = pytest.mark.django_db(transaction=True)


def flushall() -> None:
    raw_redis(0).flushall()


def clear_cache() -> None:
    caches["default"].clear()


RESETS: dict[str, Callable[[], None]] = {"FLUSHALL": flushall, "cache.clear()": clear_cache}


def delete_cache_folder() -> None:
    shutil.rmtree(Path(settings.MEDIA_ROOT, "CACHE"))


def generation_count(upload: Upload) -> int:
    """Return how many times the counted thumbnail of *upload* has been made."""
    return len(Path(runs_marker(upload.image.name)).read_text().split())


def wait_until_made(uploads: list[Upload], logs: list[Process]) -> None:
    """Wait until the gallery's files of *uploads* exist and Redis says so."""
    files = [file for upload in uploads for file in gallery_files(upload)]
    wait_for(
        lambda: all(
            file_path(file).is_file() and redis_state(file) == CacheFileState.EXISTS
            for file in files
        ),
        WORKER_TIMEOUT,
        "the worker to make the gallery's files",
        logs=logs,
    )


@pytest.fixture(scope="module")
def web_pair(start_web) -> tuple[WebServer, WebServer]:
    """Two web processes of the site (Simple backend), A and B."""
    return start_web("web-a"), start_web("web-b")


@pytest.mark.parametrize("reset", RESETS)
def test_after_a_reset_two_web_processes_serve_only_files_that_exist(reset, web_pair, upload_file):
    web_a, web_b = web_pair
    uploads = [Upload.objects.create(image=upload_file()) for _ in range(2)]
    expected = [file_path(file) for upload in uploads for file in gallery_files(upload)]
    before_a = serve_gallery(web_a)  # A makes every file
    before_b = serve_gallery(web_b)  # B finds them made, and remembers them
    assert before_a == before_b == expected
    assert all(path.is_file() for path in expected)

    RESETS[reset]()
    delete_cache_folder()
    after_a = serve_gallery(web_a)
    after_b = serve_gallery(web_b)

    assert after_a == after_b == expected
    missing = [str(path) for path in expected if not path.is_file()]
    assert missing == []
    # Made once before the reset and once after it (by A; B found them made).
    assert [generation_count(upload) for upload in uploads] == [2, 2]


@pytest.mark.parametrize("kind", ["celery", "rq"])
def test_after_a_reset_a_web_process_that_served_a_file_queues_it_again(
    kind, workers, start_web, use_backend, upload_file
):
    worker = workers(kind)
    use_backend(kind)
    web = start_web(f"web-{kind}", backend=kind)
    upload = Upload.objects.create(image=upload_file())
    files = serve_gallery(web)  # queued; the worker makes them
    wait_until_made([upload], [worker, web])
    assert serve_gallery(web) == files  # served once more, now known to exist

    flushall()
    for path in files:
        path.unlink()
    assert serve_gallery(web) == files  # queued again

    wait_until_made([upload], [worker, web])
    assert all(path.is_file() for path in files)
    assert generation_count(upload) == 2
