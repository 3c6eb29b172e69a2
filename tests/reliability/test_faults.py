"""Storage failures, cache outages and dead generators lose nothing and block nothing."""

from __future__ import annotations

import logging
import os
import time

import pytest
from django.core.cache.backends.base import BaseCache
from django.core.files.storage import FileSystemStorage
from django.template import Context, Template
from PIL import Image

from imagekit import ImageSpec
from imagekit.cachefiles import ImageCacheFile
from imagekit.cachefiles.backends import CacheFileState
from imagekit.cachefiles.state import prefetch_cachefile_states, use_cachefile_state_cache
from imagekit.generatorlibrary import Thumbnail
from imagekit.processors import ResizeToFill
from tests.reliability.helpers import files_under, free_port
from tests.reliability.images import solid


class FaultThumbnail(ImageSpec):
    processors = [ResizeToFill(20, 10)]
    format = "JPEG"


# --- a storage that fails while writing ------------------------------------------


class FailingStorage(FileSystemStorage):
    """A local storage whose disk fills up halfway through each file, until it recovers."""

    failing = True

    def _save(self, name, content):
        if not self.failing:
            return super()._save(name, content)
        data = content.read()
        path = self.path(name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as partial:
            partial.write(data[: len(data) // 2])
        raise OSError(28, "No space left on device")


@pytest.fixture
def failing_storage(media_root) -> FailingStorage:
    return FailingStorage(location=str(media_root), base_url="/media/")


@pytest.fixture
def failed_file(registered, stored_source, failing_storage) -> ImageCacheFile:
    """A cache file whose first generation failed in the storage."""
    registered(FaultThumbnail)
    source = stored_source("photos/dog.jpg", solid("JPEG"))
    file = ImageCacheFile(FaultThumbnail(source=source), storage=failing_storage)
    with pytest.raises(OSError, match="No space left on device"):
        _ = file.url
    return file


def test_a_storage_failing_mid_write_leaves_no_file_at_the_cache_name(failed_file):
    assert not failed_file.storage.exists(failed_file.name)


def test_a_storage_failing_mid_write_leaves_no_temporary_file(failed_file, cache_root):
    assert files_under(cache_root) == []


def test_a_storage_failing_mid_write_leaves_no_state_that_claims_or_blocks_the_file(
    failed_file, backend
):
    assert backend.get_state(failed_file, check_if_unknown=False) not in (
        CacheFileState.EXISTS,
        CacheFileState.GENERATING,
    )


def test_after_the_storage_recovers_the_next_request_generates_the_file(
    failed_file, failing_storage
):
    failing_storage.failing = False
    file = ImageCacheFile(failed_file.generator, storage=failing_storage)

    _ = file.url

    with failing_storage.open(file.name) as stored, Image.open(stored) as image:
        image.load()
        assert image.size == (20, 10)


# --- a cache outage ----------------------------------------------------------------


class BrokenCache(BaseCache):
    """A Django cache whose server is down: every call fails."""

    def __init__(self, location, params):
        super().__init__(params)

    def _down(self, *args, **kwargs):
        raise ConnectionError("cache server is down")

    add = get = set = touch = delete = has_key = incr = _down
    get_many = set_many = delete_many = _down

    def clear(self):
        pass  # the test suite's own clean-up clears every cache


PAGE = Template(
    "{% load imagekit %}{% for photo in photos %}{% thumbnail '20x10' photo %}{% endfor %}"
)


@pytest.fixture
def cache_down(settings, backend, fresh_cache_warning) -> None:
    settings.CACHES = {
        **settings.CACHES,
        "broken": {"BACKEND": f"{__name__}.BrokenCache"},
    }
    settings.IMAGEKIT_CACHE_BACKEND = "broken"


@pytest.fixture
def photos(stored_source):
    return [stored_source(f"photos/{n}.jpg", solid("JPEG")) for n in ("one", "two", "three")]


def thumbnail_names(photos) -> list[str]:
    return [ImageCacheFile(Thumbnail(width=20, height=10, source=p)).name for p in photos]


def test_a_page_renders_while_the_cache_is_down(cache_down, photos):
    html = PAGE.render(Context({"photos": photos}))

    assert html.count("<img ") == 3


def test_thumbnails_are_generated_while_the_cache_is_down(cache_down, photos, media_storage):
    PAGE.render(Context({"photos": photos}))

    assert all(media_storage.exists(name) for name in thumbnail_names(photos))


def test_a_cache_outage_logs_one_warning(cache_down, photos, caplog):
    with caplog.at_level(logging.DEBUG, logger="imagekit"):
        PAGE.render(Context({"photos": photos}))
        PAGE.render(Context({"photos": photos}))

    records = [r for r in caplog.records if r.name == "imagekit"]
    assert [r.levelno for r in records] == [logging.WARNING]
    assert "cache server is down" in records[0].getMessage()


def test_prefetching_while_the_cache_is_down_leaves_the_states_unknown(cache_down, photos):
    files = [ImageCacheFile(Thumbnail(width=20, height=10, source=p)) for p in photos]

    with use_cachefile_state_cache() as states:
        prefetch_cachefile_states(files)
        prefetched = {key: states[key] for key in states}
        urls = [file.url for file in files]

    assert list(prefetched.values()) == [None, None, None]
    assert all(url.endswith(".jpg") for url in urls)


def test_prefetching_with_a_given_cache_that_is_down_does_not_raise(photos, fresh_cache_warning):
    files = [ImageCacheFile(Thumbnail(width=20, height=10, source=p)) for p in photos]
    states = {}

    prefetch_cachefile_states(files, state_cache=states, cache=BrokenCache("down", {}))

    assert list(states.values()) == [None, None, None]


def test_a_page_renders_while_redis_is_unreachable(settings, backend, photos, media_storage):
    settings.CACHES = {
        **settings.CACHES,
        "gone": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",  # nothing listens there
        },
    }
    settings.IMAGEKIT_CACHE_BACKEND = "gone"

    html = PAGE.render(Context({"photos": photos[:1]}))

    assert html.count("<img ") == 1
    assert media_storage.exists(thumbnail_names(photos[:1])[0])


# --- a generator that died -------------------------------------------------------


@pytest.fixture
def abandoned_file(settings, registered, stored_source, backend) -> ImageCacheFile:
    """A file marked "generating" by a generator that died before finishing."""
    registered(FaultThumbnail)
    file = ImageCacheFile(FaultThumbnail(source=stored_source("photos/dog.jpg", solid("JPEG"))))
    backend.set_state(file, CacheFileState.GENERATING)
    return file


def test_a_dead_generators_lock_expires_and_the_next_request_generates_the_file(
    settings, abandoned_file, backend, media_storage
):
    settings.IMAGEKIT_GENERATING_TIMEOUT = 0.3
    backend.set_state(abandoned_file, CacheFileState.GENERATING)
    backend.cache.add(backend.get_lock_key(abandoned_file), "dead worker", 0.3)

    _ = ImageCacheFile(abandoned_file.generator).url

    assert media_storage.exists(abandoned_file.name)


def test_a_generating_mark_without_a_lock_is_generated_at_once(
    settings, abandoned_file, media_storage
):
    settings.IMAGEKIT_GENERATING_TIMEOUT = 30
    started = time.monotonic()

    _ = ImageCacheFile(abandoned_file.generator).url

    assert media_storage.exists(abandoned_file.name)
    assert time.monotonic() - started < 10
