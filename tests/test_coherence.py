"""Resets are seen: what a process remembers never outlives the Django cache.

Sites, their test suites and their operators start afresh by clearing the
cache named by ``IMAGEKIT_CACHE_BACKEND`` and deleting ``CACHE/``. Every test
here first has this process serve pages through Django's request cycle (so it
has something to remember), then resets the way users do, and checks that the
next requests, commands and threads see the reset. None of them calls into
imagekit to make it forget.
"""

from __future__ import annotations

import io
import shutil
import threading
import time
from pathlib import Path

import pytest
from django.core.cache import caches
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from imagekit.cachefiles import LazyImageCacheFile
from imagekit.utils import get_default_cachefile_backend
from tests.testapp.counted import counted_runs
from tests.testapp.models import Photo

THREADS = 8


def reset(media_storage) -> None:
    """What sites do to start afresh: clear the cache, delete ``CACHE/``."""
    caches["default"].clear()
    shutil.rmtree(Path(media_storage.location) / "CACHE", ignore_errors=True)


def cache_files(media_storage) -> list[Path]:
    root = Path(media_storage.location) / "CACHE"
    return sorted(path for path in root.rglob("*") if path.is_file()) if root.exists() else []


def url_to_path(media_storage, url: str) -> Path:
    assert url.startswith("/media/"), url
    return Path(media_storage.location) / url.removeprefix("/media/")


@pytest.fixture
def source(media_storage, make_image):
    return media_storage.save("sources/dog.jpg", io.BytesIO(make_image(size=(80, 60))))


@pytest.fixture
def photos(db, media_storage, image_file):
    for i in range(3):
        Photo.objects.create(original_image=image_file(f"p{i}.jpg", size=(120, 80)))
    return list(Photo.objects.order_by("pk"))


def serve_counted(client, source) -> str:
    response = client.get(reverse("counted", args=[source]))
    assert response.status_code == 200
    return response.content.decode()


def test_after_a_reset_threads_asking_for_a_file_get_it_made_again_once(
    media_storage, source, client
):
    first = serve_counted(client, source)
    assert url_to_path(media_storage, first).exists()
    reset(media_storage)
    runs_before = counted_runs.runs
    urls, errors = [], []

    def ask():
        try:
            urls.append(serve_counted(Client(), source))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(repr(exc))

    threads = [threading.Thread(target=ask) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert urls == [first] * THREADS
    assert counted_runs.runs - runs_before == 1
    assert url_to_path(media_storage, first).exists()


def test_after_a_reset_a_page_served_again_makes_its_files_again(photos, media_storage, client):
    client.get(reverse("page", args=["spec field"]))
    made = cache_files(media_storage)
    reset(media_storage)

    response = client.get(reverse("page", args=["spec field"]))

    assert response.status_code == 200
    assert len(made) == len(photos)
    assert cache_files(media_storage) == made


@pytest.mark.parametrize("page", ["thumbnail tag", "thumbnail as", "generateimage tag"])
def test_after_a_reset_the_template_tags_make_their_files_again(
    page, photos, media_storage, client
):
    client.get(reverse("page", args=[page]))
    made = cache_files(media_storage)
    reset(media_storage)

    client.get(reverse("page", args=[page]))

    assert made
    assert cache_files(media_storage) == made


def test_after_a_reset_generateimages_makes_the_files_a_page_had_made(
    photos, media_storage, client
):
    client.get(reverse("page", args=["spec field"]))
    reset(media_storage)
    stdout = io.StringIO()

    call_command("generateimages", "tests:photo:thumbnail", stdout=stdout)

    assert stdout.getvalue().strip().splitlines()[-1] == (
        f"{len(photos)} generated, 0 already existed, 0 failed"
    )
    assert len(cache_files(media_storage)) == len(photos)


def test_after_a_reset_a_file_touched_outside_a_request_is_made_again(
    media_storage, source, client
):
    serve_counted(client, source)
    reset(media_storage)

    with media_storage.open(source) as opened:
        url = LazyImageCacheFile("tests:counted", source=opened).url

    assert url_to_path(media_storage, url).exists()


def test_a_state_that_expired_is_asked_again_inside_a_request(
    media_storage, source, client, settings
):
    settings.IMAGEKIT_CACHE_TIMEOUT = 0.3
    url = serve_counted(client, source)
    url_to_path(media_storage, url).unlink()  # gone, and soon forgotten by the cache
    time.sleep(0.4)

    serve_counted(client, source)

    assert url_to_path(media_storage, url).exists()


def test_a_forced_regeneration_renews_the_epoch_other_processes_check(
    media_storage, source, client
):
    serve_counted(client, source)
    backend = get_default_cachefile_backend()
    epoch = caches["default"].get(backend.get_epoch_key())

    with media_storage.open(source) as opened:
        LazyImageCacheFile("tests:counted", source=opened).generate(force=True)

    assert epoch is not None
    assert caches["default"].get(backend.get_epoch_key()) not in (None, epoch)


# --------------------------------------------------------------------------
# A user's test suite: one MEDIA_ROOT, cleared with the cache between tests
# --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def suite_media_root(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("suite-media")


@pytest.fixture
def suite_storage(settings, suite_media_root):
    """The one MEDIA_ROOT a site's suite uses, emptied with the cache after each test."""
    settings.MEDIA_ROOT = str(suite_media_root)
    from django.core.files.storage import storages

    yield storages["default"]
    caches["default"].clear()
    for child in suite_media_root.iterdir():
        if child.is_dir():
            shutil.rmtree(child)
        else:
            child.unlink()


@pytest.mark.parametrize("run", range(3))
def test_a_suite_that_clears_media_and_cache_between_tests_gets_real_files(
    run, db, suite_storage, image_file, client
):
    # The same names in every test, so every test asks for the same cache files.
    for i in range(3):
        Photo.objects.create(original_image=image_file(f"p{i}.jpg", size=(120, 80)))

    client.get(reverse("page", args=["spec field"]))

    files = cache_files(suite_storage)
    assert len(files) == 3
    assert all(path.stat().st_size > 0 for path in files)


# --------------------------------------------------------------------------
# A cache shared with django-imagekit during a switch (docs/upgrading.rst)
# --------------------------------------------------------------------------


def imagekit_state_key(name: str) -> str:
    """The key django-imagekit 6.1 reads and writes: prefix, name, "-state"."""
    return f"imagekit:{name}-state"


def test_a_file_imagekit_made_is_used_and_measured_once(photos, media_storage, client):
    file = photos[0].thumbnail
    file.generate()  # the file exists on disk...
    caches["default"].clear()
    caches["default"].set(imagekit_state_key(file.name), "exists")  # ...as django-imagekit left it
    opened = []
    real_open = media_storage.open

    def counting_open(name, mode="rb"):
        opened.append(name)
        return real_open(name, mode)

    media_storage.open = counting_open
    try:
        client.get(reverse("page", args=["spec field"]))
        client.get(reverse("page", args=["spec field"]))
    finally:
        del media_storage.open

    assert opened.count(file.name) == 1  # measured once, then its size recorded


def test_what_imagekit_reads_is_what_it_wrote(photos, media_storage, client):
    client.get(reverse("page", args=["spec field"]))

    values = [caches["default"].get(imagekit_state_key(p.thumbnail.name)) for p in photos]

    # django-imagekit compares with == "exists": a plain str, nothing else.
    assert values == ["exists"] * len(photos)
    assert {type(value) for value in values} == {str}
