"""What a warm page costs: storage calls and cache round trips, counted.

These pin the performance guarantees (no timings): a page of thumbnails whose
files exist asks the storage only for URLs, and the shared cache at most once.
"""

from __future__ import annotations

import pytest
from django.core.files.storage import FileSystemStorage
from django.template import Context, Template

from imagekit.cachefiles.backends import get_default_cachefile_backend
from imagekit.cachefiles.state import (
    known_files,
    prefetch_spec_files,
    use_cachefile_state_cache,
)
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


class CountingStorage(FileSystemStorage):
    """Records every public storage method called from outside."""

    calls: list[str]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.calls = []
        self._depth = 0

    def _record(self, method, *args, **kwargs):
        if self._depth == 0:
            self.calls.append(method)
        self._depth += 1
        try:
            return getattr(super(), method)(*args, **kwargs)
        finally:
            self._depth -= 1

    def exists(self, name):
        return self._record("exists", name)

    def open(self, name, mode="rb"):
        return self._record("open", name, mode)

    def save(self, name, content, max_length=None):
        return self._record("save", name, content, max_length=max_length)

    def size(self, name):
        return self._record("size", name)

    def url(self, name):
        return self._record("url", name)

    def path(self, name):
        return self._record("path", name)

    def listdir(self, path):
        return self._record("listdir", path)

    def delete(self, name):
        return self._record("delete", name)


class RecordingCache:
    """Wraps a Django cache and records each round trip."""

    def __init__(self, wrapped):
        self.wrapped = wrapped
        self.calls: list[str] = []

    def __getattr__(self, name):
        attr = getattr(self.wrapped, name)
        if name in {"get", "get_many", "set", "set_many", "add", "delete", "delete_many"}:

            def recorded(*args, **kwargs):
                self.calls.append(name)
                return attr(*args, **kwargs)

            return recorded
        return attr


@pytest.fixture
def storage(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "tests.test_call_counts.CountingStorage"},
    }
    from django.core.files.storage import storages

    return storages["default"]


@pytest.fixture
def cache(monkeypatch):
    backend = get_default_cachefile_backend()
    recording = RecordingCache(backend.cache)
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

    assert set(storage.calls) == {"url"}


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

    assert cache.calls == ["get_many"] * len(photos)
    assert set(storage.calls) == {"url"}


def test_a_prefetched_page_in_a_new_process_makes_one_round_trip(photos, storage, cache):
    render("spec field", photos)
    known_files.clear()
    cache.calls.clear()
    storage.calls.clear()

    with use_cachefile_state_cache():
        prefetch_spec_files(photos, "thumbnail")
        render("spec field", photos)

    assert cache.calls == ["get_many"]
    assert set(storage.calls) == {"url"}


def test_reading_a_spec_fields_url_asks_nothing_but_the_url(photos, storage, cache):
    photos[0].thumbnail.url  # noqa: B018 - generates it
    storage.calls.clear()
    cache.calls.clear()

    photos[0].thumbnail.url  # noqa: B018

    assert (storage.calls, cache.calls) == (["url"], [])


def test_a_changed_source_gets_its_new_file_generated(photos, storage, image_file):
    photo = photos[0]
    old = photo.thumbnail.url
    photo.original_image = image_file("changed.jpg", size=(90, 90))
    photo.save()

    new = Photo.objects.get(pk=photo.pk).thumbnail
    assert new.url != old
    assert storage.exists(new.name)
