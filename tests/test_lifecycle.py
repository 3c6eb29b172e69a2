"""What a cache file says, and what happens to it, as its source comes and goes.

Deleted sources (``bool(photo.thumbnail)``), sources replaced in place, and
the deletion of cache files with their source (``IMAGEKIT_DELETE_WITH_SOURCE``).
"""

from __future__ import annotations

import pytest
from django.template import Context, Template

from tests.models import Photo

IF_THUMBNAIL = Template('{% if photo.thumbnail %}<img src="{{ photo.thumbnail.url }}">{% endif %}')


@pytest.fixture
def photo(db, media_storage, image_file) -> Photo:
    return Photo.objects.create(original_image=image_file("dog.jpg"))


def reloaded(photo: Photo) -> Photo:
    return Photo.objects.get(pk=photo.pk)


# --- a deleted source ------------------------------------------------------------


def test_a_thumbnail_never_made_of_a_deleted_source_is_false(photo, media_storage):
    media_storage.delete(photo.original_image.name)

    assert bool(reloaded(photo).thumbnail) is False


def test_if_renders_nothing_for_a_thumbnail_of_a_deleted_source(photo, media_storage):
    media_storage.delete(photo.original_image.name)

    assert IF_THUMBNAIL.render(Context({"photo": reloaded(photo)})) == ""


def test_a_thumbnail_made_before_its_source_was_deleted_is_still_served(photo, media_storage):
    name = photo.thumbnail.name
    _ = photo.thumbnail.url
    media_storage.delete(photo.original_image.name)

    page = IF_THUMBNAIL.render(Context({"photo": reloaded(photo)}))

    assert page == f'<img src="/media/{name}">'
    assert media_storage.exists(name)


def test_a_thumbnail_made_before_is_still_true_once_the_state_cache_is_cleared(
    photo, media_storage
):
    from django.core.cache import caches

    _ = photo.thumbnail.url
    media_storage.delete(photo.original_image.name)
    caches["default"].clear()

    assert bool(reloaded(photo).thumbnail) is True
