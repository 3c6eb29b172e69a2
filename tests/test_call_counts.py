"""What a warm page costs: storage calls and cache round trips, counted.

These pin the performance guarantees (no timings): a page of thumbnails whose
files exist, served through Django's request cycle, asks the storage only for
URLs, and the shared cache once (the epoch, with the first state) if this
process served it before, or once per file if it did not.
"""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync
from django.test import AsyncClient
from django.urls import reverse

from imagekit.cachefiles.backends import get_default_cachefile_backend
from tests.testapp.models import Photo
from tests.testapp.views import PAGES, render_page


@pytest.fixture
def photos(db, recording_default_storage, image_file):
    for i in range(10):
        Photo.objects.create(original_image=image_file(f"p{i}.jpg", size=(120, 80)))
    return list(Photo.objects.all())


def serve(client, page, **params):
    """Serve *page* through Django's request cycle, as a site does."""
    response = client.get(reverse("page", args=[page]), params)
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("page", PAGES)
def test_a_warm_page_asks_the_storage_only_for_urls(
    page, photos, recording_default_storage, recording_default_cache, client
):
    serve(client, page)  # generates the files
    recording_default_storage.calls.clear()

    serve(client, page)

    assert set(recording_default_storage.methods_called()) == {"url"}


@pytest.mark.parametrize("page", PAGES)
def test_a_warm_page_costs_one_cache_round_trip_in_a_process_that_served_it(
    page, photos, recording_default_storage, recording_default_cache, client
):
    serve(client, page)
    recording_default_cache.calls.clear()

    serve(client, page)

    # The epoch, fetched with the first state the request asks for.
    assert recording_default_cache.methods_called() == ["get_many"]


@pytest.mark.parametrize("page", PAGES)
def test_a_warm_page_costs_one_round_trip_per_file_once_the_memory_is_dropped(
    page, photos, recording_default_storage, recording_default_cache, client
):
    serve(client, page)
    # What every process sees after the epoch key goes (evicted, deleted):
    # the same as a process that never served the page.
    recording_default_cache.delete(get_default_cachefile_backend().get_epoch_key())
    recording_default_cache.calls.clear()
    recording_default_storage.calls.clear()

    serve(client, page)

    assert sorted(recording_default_cache.methods_called()) == ["add"] + ["get_many"] * len(photos)
    assert set(recording_default_storage.methods_called()) == {"url"}


def test_a_prefetched_page_costs_one_round_trip_whatever_the_process_remembers(
    photos, recording_default_storage, recording_default_cache, client
):
    serve(client, "spec field")
    recording_default_cache.delete(get_default_cachefile_backend().get_epoch_key())
    recording_default_cache.calls.clear()
    recording_default_storage.calls.clear()

    serve(client, "spec field", prefetch=1)

    assert recording_default_cache.methods_called() == ["get_many"]
    assert set(recording_default_storage.methods_called()) == {"url"}


@pytest.mark.parametrize("page", PAGES)
def test_a_page_rendered_outside_a_request_asks_the_cache_every_time(
    page, photos, recording_default_storage, recording_default_cache
):
    render_page(page, photos)
    recording_default_cache.calls.clear()

    render_page(page, photos)

    assert len(recording_default_cache.calls) >= len(photos)


def test_reading_a_spec_fields_url_outside_a_request_asks_the_state_and_the_url(
    photos, recording_default_storage, recording_default_cache
):
    photos[0].thumbnail.url  # noqa: B018 - generates it
    recording_default_storage.calls.clear()
    recording_default_cache.calls.clear()

    photos[0].thumbnail.url  # noqa: B018

    # ImageKit's cost: one get of the state key, then the storage's url().
    assert (
        recording_default_storage.methods_called(),
        recording_default_cache.methods_called(),
    ) == (["url"], ["get"])


def test_a_changed_source_gets_its_new_file_generated(
    photos, recording_default_storage, image_file
):
    photo = photos[0]
    old = photo.thumbnail.url
    photo.original_image = image_file("changed.jpg", size=(90, 90))
    photo.save()

    new = Photo.objects.get(pk=photo.pk).thumbnail
    assert new.url != old
    assert recording_default_storage.exists(new.name)


@pytest.mark.parametrize("page", PAGES)
def test_a_warm_page_served_through_asgi_costs_one_cache_round_trip(
    page, photos, recording_default_storage, recording_default_cache
):
    # Under ASGI Django sends request_started to synchronous receivers in a
    # task of its own: what imagekit notes there must still reach the view.
    get = async_to_sync(AsyncClient().get)
    assert get(reverse("page", args=[page])).status_code == 200
    recording_default_cache.calls.clear()

    response = get(reverse("page", args=[page]))

    assert response.status_code == 200
    assert recording_default_cache.methods_called() == ["get_many"]


def test_a_page_after_the_cache_was_cleared_asks_each_state_and_size_once(
    photos, recording_default_storage, recording_default_cache, client
):
    serve(client, "spec field")
    recording_default_cache.clear()  # files kept; states and sizes gone (a restart, say)
    recording_default_cache.calls.clear()

    serve(client, "spec field")

    # Per file: one get_many (state and size), one add once the storage said
    # it exists (add: a state recorded meanwhile wins), one set_many once it
    # was measured; plus one add (the epoch).
    assert sorted(recording_default_cache.methods_called()) == sorted(
        ["add"] + ["get_many", "add", "set_many"] * len(photos)
    )
