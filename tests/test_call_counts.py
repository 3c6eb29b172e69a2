"""What a warm page costs: storage calls and cache round trips, counted.

These pin the performance guarantees (no timings): a page of thumbnails whose
files exist asks the storage only for URLs, and the shared cache at most once.
"""

from __future__ import annotations

import pytest
from django.template import Context, Template

from imagekit.cachefiles.backends import get_default_cachefile_backend
from imagekit.cachefiles.state import (
    known_files,
    prefetch_spec_files,
    use_cachefile_state_cache,
)
from tests.doubles import ROUND_TRIPS, RecordingCache
from tests.models import Photo

PAGES = {
    "thumbnail tag": "{% for p in photos %}{% thumbnail '60x30' p.original_image %}{% endfor %}",
    "thumbnail as": (
        "{% for p in photos %}{% thumbnail '60x30' p.original_image as t %}"
        '<img src="{{ t.url }}" width="{{ t.width }}" height="{{ t.height }}">{% endfor %}'
    ),
    "generateimage tag": (
        "{% for p in photos %}"
        "{% generateimage 'tests:photo:thumbnail' source=p.original_image %}{% endfor %}"
    ),
    "spec field": (
        '{% for p in photos %}<img src="{{ p.thumbnail.url }}" '
        'width="{{ p.thumbnail.width }}">{% endfor %}'
    ),
}


@pytest.fixture
def storage(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "tests.doubles.RecordingStorage"},
    }
    from django.core.files.storage import storages

    return storages["default"]


@pytest.fixture
def cache(monkeypatch):
    backend = get_default_cachefile_backend()
    recording = RecordingCache(backend.cache, only=ROUND_TRIPS)
    monkeypatch.setattr(backend, "_cache", recording)
    return recording


@pytest.fixture
def photos(db, storage, image_file):
    for i in range(10):
        Photo.objects.create(original_image=image_file(f"p{i}.jpg", size=(120, 80)))
    return list(Photo.objects.all())


def render(page, photos):
    return Template("{% load imagekit %}" + PAGES[page]).render(Context({"photos": photos}))


@pytest.mark.parametrize("page", PAGES)
def test_a_warm_page_asks_the_storage_only_for_urls(page, photos, storage, cache):
    render(page, photos)  # generates the files
    storage.calls.clear()

    render(page, photos)

    assert set(storage.methods_called()) == {"url"}


@pytest.mark.parametrize("page", PAGES)
def test_a_warm_page_makes_no_cache_round_trip_once_this_process_has_seen_it(
    page, photos, storage, cache
):
    render(page, photos)
    cache.calls.clear()

    render(page, photos)

    assert cache.calls == []


@pytest.mark.parametrize("page", PAGES)
def test_a_warm_page_in_a_new_process_makes_one_round_trip_per_file(page, photos, storage, cache):
    render(page, photos)
    known_files.clear()  # what a freshly started process knows
    cache.calls.clear()
    storage.calls.clear()

    render(page, photos)

    assert cache.methods_called() == ["get_many"] * len(photos)
    assert set(storage.methods_called()) == {"url"}


def test_a_prefetched_page_in_a_new_process_makes_one_round_trip(photos, storage, cache):
    render("spec field", photos)
    known_files.clear()
    cache.calls.clear()
    storage.calls.clear()

    with use_cachefile_state_cache():
        prefetch_spec_files(photos, "thumbnail")
        render("spec field", photos)

    assert cache.methods_called() == ["get_many"]
    assert set(storage.methods_called()) == {"url"}


def test_reading_a_spec_fields_url_asks_nothing_but_the_url(photos, storage, cache):
    photos[0].thumbnail.url  # noqa: B018 - generates it
    storage.calls.clear()
    cache.calls.clear()

    photos[0].thumbnail.url  # noqa: B018

    assert (storage.methods_called(), cache.calls) == (["url"], [])


def test_a_changed_source_gets_its_new_file_generated(photos, storage, image_file):
    photo = photos[0]
    old = photo.thumbnail.url
    photo.original_image = image_file("changed.jpg", size=(90, 90))
    photo.save()

    new = Photo.objects.get(pk=photo.pk).thumbnail
    assert new.url != old
    assert storage.exists(new.name)
