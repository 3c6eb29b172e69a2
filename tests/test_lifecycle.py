"""What a cache file says, and what happens to it, as its source comes and goes.

Deleted sources (``bool(photo.thumbnail)``), sources replaced in place, and
the deletion of cache files with their source (``IMAGEKIT_DELETE_WITH_SOURCE``).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.template import Context, Template

from tests.testapp.models import Photo

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


# --- a source replaced in place --------------------------------------------------------


def thumbnail_color(storage, name: str) -> tuple[int, int, int]:
    from PIL import Image

    with storage.open(name, "rb") as f:
        return Image.open(f).convert("RGB").getpixel((25, 25))


def close_to(color: tuple[int, int, int], expected: tuple[int, int, int]) -> bool:
    return all(abs(a - b) < 40 for a, b in zip(color, expected, strict=True))


def test_a_source_replaced_under_its_name_gets_new_thumbnails_under_the_same_name(
    db, overwriting_storage, image_file
):
    photo = Photo.objects.create(original_image=image_file("dog.jpg", color="red"))
    name = photo.thumbnail.name
    _ = photo.thumbnail.url
    assert close_to(thumbnail_color(overwriting_storage, name), (255, 0, 0))

    photo.original_image.save("dog.jpg", image_file("dog.jpg", color="blue"))

    assert photo.original_image.name == "photos/dog.jpg"
    fresh = reloaded(photo)
    assert fresh.thumbnail.name == name
    assert fresh.thumbnail.url == f"/media/{name}"
    assert close_to(thumbnail_color(overwriting_storage, name), (0, 0, 255))


def test_saving_an_unchanged_source_regenerates_nothing(db, overwriting_storage, image_file):
    photo = Photo.objects.create(original_image=image_file("dog.jpg"))
    _ = photo.thumbnail.url
    path = Path(overwriting_storage.path(photo.thumbnail.name))
    made = path.stat().st_mtime_ns

    reloaded(photo).save()

    assert path.stat().st_mtime_ns == made


def test_a_page_view_does_not_look_at_the_source(db, overwriting_storage, image_file):
    photo = Photo.objects.create(original_image=image_file("dog.jpg", color="red"))
    _ = photo.thumbnail.url
    # Overwritten behind the model's back: no save, so nothing is compared.
    Path(overwriting_storage.path(photo.original_image.name)).write_bytes(
        image_file("dog.jpg", color="blue").read()
    )

    _ = reloaded(photo).thumbnail.url

    assert close_to(thumbnail_color(overwriting_storage, photo.thumbnail.name), (255, 0, 0))


# --- cache files deleted with their source ------------------------------------------------


@pytest.fixture
def made(photo) -> Photo:
    """The photo with both its thumbnails made."""
    _ = photo.thumbnail.url
    _ = photo.smartcropped_thumbnail.url
    return photo


def cache_names(photo: Photo) -> list[str]:
    return [photo.thumbnail.name, photo.smartcropped_thumbnail.name]


def test_by_default_deleting_a_photo_leaves_its_cache_files(made, media_storage):
    names = cache_names(made)

    made.delete()

    assert all(media_storage.exists(name) for name in names)


def test_with_the_setting_deleting_a_photo_deletes_its_cache_files_after_the_commit(
    made, media_storage, settings, django_capture_on_commit_callbacks
):
    settings.IMAGEKIT_DELETE_WITH_SOURCE = True
    names = cache_names(made)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        made.delete()
    assert all(media_storage.exists(name) for name in names)  # not before the commit

    for callback in callbacks:
        callback()
    assert not any(media_storage.exists(name) for name in names)
    assert media_storage.exists(made.original_image.name)  # the source is Django's business


def test_a_rolled_back_delete_deletes_no_cache_file(made, media_storage, settings):
    from django.db import transaction

    settings.IMAGEKIT_DELETE_WITH_SOURCE = True
    names = cache_names(made)

    with pytest.raises(RuntimeError), transaction.atomic():
        made.delete()
        raise RuntimeError("roll back")

    assert all(media_storage.exists(name) for name in names)


def test_clearing_the_file_deletes_the_cache_files_of_the_old_one(
    made, media_storage, settings, django_capture_on_commit_callbacks
):
    settings.IMAGEKIT_DELETE_WITH_SOURCE = True
    names = cache_names(made)
    photo = reloaded(made)

    with django_capture_on_commit_callbacks(execute=True):
        photo.original_image = None
        photo.save()

    assert not any(media_storage.exists(name) for name in names)


def test_replacing_the_file_deletes_the_old_ones_and_keeps_the_new_ones(
    made, media_storage, settings, image_file, django_capture_on_commit_callbacks
):
    settings.IMAGEKIT_DELETE_WITH_SOURCE = True
    old = cache_names(made)
    photo = reloaded(made)

    with django_capture_on_commit_callbacks(execute=True):
        photo.original_image = image_file("cat.jpg")
        photo.save()
    new = photo.thumbnail.url.removeprefix("/media/")

    assert not any(media_storage.exists(name) for name in old)
    assert media_storage.exists(new)


def test_the_state_goes_with_the_deleted_file(
    made, media_storage, settings, django_capture_on_commit_callbacks
):
    settings.IMAGEKIT_DELETE_WITH_SOURCE = True
    photo = reloaded(made)
    thumbnail = photo.thumbnail
    name = thumbnail.name

    with django_capture_on_commit_callbacks(execute=True):
        photo.delete()

    # Its state says it is gone (a short-lived "does not exist": see
    # CachedFileBackend.forget), and its size and origin are gone with it.
    backend = thumbnail.cachefile_backend
    assert backend.get_state(thumbnail, check_if_unknown=False) == "does_not_exist"
    assert backend.cache.get(backend.get_dimensions_key(thumbnail)) is None
    assert backend.cache.get(backend.get_origin_key(thumbnail)) is None
    assert not media_storage.exists(name)


def test_a_failed_deletion_is_logged_and_never_raised(
    made, media_storage, settings, caplog, monkeypatch, django_capture_on_commit_callbacks
):
    import logging

    settings.IMAGEKIT_DELETE_WITH_SOURCE = True
    names = cache_names(made)

    def refuse(name):
        raise PermissionError(f"read-only: {name}")

    # The only fake here: a storage that refuses deletions (root ignores file modes).
    monkeypatch.setattr(type(media_storage), "delete", lambda self, name: refuse(name))
    with (
        caplog.at_level(logging.ERROR, logger="imagekit"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        made.delete()

    assert all(media_storage.exists(name) for name in names)
    assert [r.getMessage() for r in caplog.records] == [
        f"Could not delete the cache file {name}" for name in names
    ]


def test_a_field_can_ask_for_it_without_the_setting(
    db, media_storage, image_file, django_capture_on_commit_callbacks
):
    from tests.testapp.models import FollowingPhoto

    photo = FollowingPhoto.objects.create(image=image_file("dog.jpg"))
    follows, stays = photo.follows.url, photo.stays.url

    with django_capture_on_commit_callbacks(execute=True):
        photo.delete()

    assert not media_storage.exists(follows.removeprefix("/media/"))
    assert media_storage.exists(stays.removeprefix("/media/"))


def test_a_field_can_refuse_it_despite_the_setting(
    db, media_storage, image_file, settings, django_capture_on_commit_callbacks
):
    from tests.testapp.models import FollowingPhoto

    settings.IMAGEKIT_DELETE_WITH_SOURCE = True
    photo = FollowingPhoto.objects.create(image=image_file("dog.jpg"))
    refuses = photo.refuses.url

    with django_capture_on_commit_callbacks(execute=True):
        photo.delete()

    assert media_storage.exists(refuses.removeprefix("/media/"))


# --- a file removed under a page ------------------------------------------------------------


def test_a_file_removed_after_it_was_recorded_is_made_again_when_read(
    photo, media_storage, in_request
):
    with in_request():
        _ = photo.thumbnail.url
    name = photo.thumbnail.name
    media_storage.delete(name)  # as cleanupimages may, while a page renders

    with in_request():
        thumbnail = reloaded(photo).thumbnail
        assert thumbnail.url == f"/media/{name}"  # still recorded as existing
        with thumbnail:  # closes the file read
            assert thumbnail.read()[:2] == b"\xff\xd8"  # a JPEG, made again

    assert media_storage.exists(name)
