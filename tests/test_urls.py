"""Cache file URLs: remembered only where the storage's answer cannot change."""

from __future__ import annotations

import pytest
from django.core.files.storage import FileSystemStorage

from imagekit.cachefiles import urls
from tests.testapp.models import Photo


class CountingStorage(FileSystemStorage):
    """A storage whose ``url`` is its own (as a CDN or signing storage's is)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.calls = 0

    def url(self, name):
        self.calls += 1
        return f"https://cdn.example/{name}?call={self.calls}"


@pytest.fixture
def photo(image_file, media_storage):
    return Photo.objects.create(original_image=image_file("dog.jpg", size=(80, 60)))


@pytest.mark.django_db
def test_a_changed_media_url_changes_the_cache_files_url(photo, settings):
    before = Photo.objects.get(pk=photo.pk).thumbnail.url

    settings.MEDIA_URL = "https://media.example/"
    after = Photo.objects.get(pk=photo.pk).thumbnail.url

    assert before == f"/media/{photo.thumbnail.name}"
    assert after == f"https://media.example/{photo.thumbnail.name}"


@pytest.mark.django_db
def test_a_storage_with_its_own_url_method_is_asked_every_time(photo, tmp_path):
    storage = CountingStorage(location=str(tmp_path / "cdn"))
    first = Photo.objects.get(pk=photo.pk).thumbnail
    first.storage = storage
    second = Photo.objects.get(pk=photo.pk).thumbnail
    second.storage = storage

    assert (first.url, second.url) == (
        f"https://cdn.example/{first.name}?call=1",
        f"https://cdn.example/{first.name}?call=2",
    )


@pytest.mark.django_db
def test_a_url_method_replaced_on_the_storage_instance_is_asked(photo, media_storage, monkeypatch):
    expected = Photo.objects.get(pk=photo.pk).thumbnail.url  # remembered now

    monkeypatch.setattr(media_storage, "url", lambda name: f"/patched/{name}")

    assert Photo.objects.get(pk=photo.pk).thumbnail.url == f"/patched/{photo.thumbnail.name}"
    assert expected == f"/media/{photo.thumbnail.name}"


def test_remembered_urls_are_bounded(tmp_path):
    # The real bound, not a patched one: asking for a few more URLs than it
    # remembers costs a fraction of a second.
    storage = FileSystemStorage(location=str(tmp_path), base_url="/m/")
    count = urls.MAX_URLS + 50

    answers = [urls.storage_url(storage, f"CACHE/{n}.jpg") for n in range(count)]

    assert answers == [f"/m/CACHE/{n}.jpg" for n in range(count)]
    assert 0 < len(urls._urls) <= urls.MAX_URLS
