"""JSON payloads: what the task-queue backends send, and how workers use it.

No broker here: a payload is made from a cache file, sent through
``json.dumps``/``json.loads`` as any broker would, and handed to the worker
code. The real queues are exercised in ``tests/scale/``.
"""

from __future__ import annotations

import json

import pytest

from imagekit import ImageSpec
from imagekit.cachefiles import ImageCacheFile, LazyImageCacheFile
from imagekit.cachefiles.backends import CacheFileState, Simple
from imagekit.cachefiles.payloads import (
    PAYLOAD_VERSION,
    InvalidPayload,
    Unqueueable,
    cachefile_from_payload,
    payload_for,
)
from imagekit.cachefiles.worker import generate_from_payload
from imagekit.exceptions import NotRegistered
from imagekit.processors import ResizeToFill
from tests.testapp.models import Photo, Profile

pytestmark = pytest.mark.django_db


def over_the_wire(payload):
    return json.loads(json.dumps(payload))


@pytest.fixture
def photo(media_storage, image_file):
    return Photo.objects.create(original_image=image_file("dog.jpg", size=(80, 60)))


def test_a_spec_field_file_names_its_source_by_model_pk_and_field(photo):
    payload = payload_for(photo.thumbnail)

    assert payload == {
        "version": PAYLOAD_VERSION,
        "generator": "tests:photo:thumbnail",
        "args": [],
        "kwargs": {},
        "source": {
            "model": "tests.photo",
            "pk": photo.pk,
            "field": "original_image",
            "name": photo.original_image.name,
        },
        "storage": None,
        "name": photo.thumbnail.name,
        "force": False,
    }


def test_a_payload_is_plain_json(photo):
    payload = payload_for(photo.thumbnail, force=True)

    assert over_the_wire(payload) == payload


def test_a_thumbnail_tag_file_sends_the_tag_arguments(photo):
    file = LazyImageCacheFile(
        "imagekit:thumbnail",
        source=photo.original_image,
        width=30,
        height=20,
        anchor="tl",
        crop=True,
        upscale=False,
        format="PNG",
    )

    payload = payload_for(file)

    assert payload["generator"] == "imagekit:thumbnail"
    assert payload["kwargs"] == {
        "width": 30,
        "height": 20,
        "anchor": "tl",
        "crop": True,
        "upscale": False,
        "format": "PNG",
    }


def test_a_worker_rebuilds_a_file_of_the_same_name(photo):
    file = LazyImageCacheFile("imagekit:thumbnail", source=photo.original_image, width=30)

    rebuilt = cachefile_from_payload(over_the_wire(payload_for(file)))

    assert rebuilt.name == file.name
    assert rebuilt.storage is file.storage


def test_a_worker_loads_the_model_instance_the_spec_depends_on(media_storage, image_file):
    profile = Profile.objects.create(
        avatar=image_file("me.jpg", size=(90, 90)), thumbnail_width=12, thumbnail_height=9
    )

    rebuilt = cachefile_from_payload(over_the_wire(payload_for(profile.avatar_thumbnail)))

    assert rebuilt.generator.source.instance == profile
    assert rebuilt.name == profile.avatar_thumbnail.name


def test_a_source_without_a_saved_instance_is_named_by_storage_and_name(media_storage, image_file):
    name = media_storage.save("loose/cat.jpg", image_file("cat.jpg"))
    file = Photo(original_image=name).thumbnail

    payload = payload_for(file)

    assert payload["source"] == {"storage": None, "name": name}
    assert cachefile_from_payload(over_the_wire(payload)).name == file.name


def test_a_source_in_a_named_storage_is_sent_by_its_alias(settings, tmp_path, image_file):
    settings.STORAGES = {
        **settings.STORAGES,
        "uploads": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "uploads")},
        },
    }
    from django.core.files.storage import storages

    storage = storages["uploads"]
    name = storage.save("a.jpg", image_file("a.jpg"))
    source = ImageCacheFile(ImageSpec(source=None), name=name, storage=storage)
    file = LazyImageCacheFile("imagekit:thumbnail", source=source, width=10)

    payload = payload_for(file)

    assert payload["source"] == {"storage": "uploads", "name": name}
    assert cachefile_from_payload(over_the_wire(payload)).generator.source.storage is storage


def test_a_generator_not_built_by_the_registry_cannot_be_queued(photo):
    class Unregistered(ImageSpec):
        processors = [ResizeToFill(5, 5)]

    file = ImageCacheFile(Unregistered(source=photo.original_image))

    with pytest.raises(Unqueueable, match="registry"):
        payload_for(file)


def test_arguments_that_json_would_change_cannot_be_queued(photo):
    file = LazyImageCacheFile(
        "imagekit:thumbnail", source=photo.original_image, width=10, height=10, anchor=(0.5, 0.5)
    )

    with pytest.raises(Unqueueable, match="plain JSON"):
        payload_for(file)


def test_a_source_outside_any_storage_cannot_be_queued(tmp_path, image_file):
    path = tmp_path / "plain.jpg"
    path.write_bytes(image_file("plain.jpg").read())
    with path.open("rb") as source:
        file = LazyImageCacheFile("imagekit:thumbnail", source=source, width=10)

        with pytest.raises(Unqueueable, match="storage"):
            payload_for(file)


def test_a_payload_of_another_version_is_refused(photo):
    payload = {**payload_for(photo.thumbnail), "version": PAYLOAD_VERSION + 1}

    with pytest.raises(InvalidPayload, match="version"):
        cachefile_from_payload(payload)


@pytest.mark.parametrize("key", ["generator", "args", "kwargs", "name", "force"])
def test_a_payload_with_a_field_of_the_wrong_type_is_refused(photo, key):
    payload = {**payload_for(photo.thumbnail), key: 3.5}

    with pytest.raises(InvalidPayload, match=key):
        cachefile_from_payload(payload)


def test_a_payload_cannot_make_a_worker_write_under_another_name(photo):
    payload = {**payload_for(photo.thumbnail), "name": "CACHE/images/../../settings.py"}

    with pytest.raises(InvalidPayload, match="differ"):
        cachefile_from_payload(payload)


def test_a_payload_for_an_unknown_generator_raises_not_registered(photo):
    payload = {**payload_for(photo.thumbnail), "generator": "tests:nothing:here"}

    with pytest.raises(NotRegistered):
        cachefile_from_payload(payload)


def test_a_payload_naming_an_unknown_storage_is_refused(photo):
    payload = {**payload_for(photo.thumbnail), "storage": "nowhere"}

    with pytest.raises(InvalidPayload, match="nowhere"):
        cachefile_from_payload(payload)


def test_a_payload_naming_a_field_that_is_not_a_file_is_refused(photo):
    payload = payload_for(photo.thumbnail)
    payload["source"] = {**payload["source"], "field": "id"}

    with pytest.raises(InvalidPayload, match="not a file field"):
        cachefile_from_payload(payload)


def test_a_payload_for_a_deleted_instance_is_stale(photo):
    payload = payload_for(photo.thumbnail)
    Photo.objects.all().delete()

    assert cachefile_from_payload(payload) is None


def test_a_payload_for_a_replaced_source_is_stale(photo, image_file):
    payload = payload_for(photo.thumbnail)
    photo.original_image = image_file("other.jpg")
    photo.save()

    assert cachefile_from_payload(payload) is None


def test_generating_from_a_payload_makes_the_file_and_records_it(photo):
    file = photo.thumbnail
    payload = over_the_wire(payload_for(file))

    made = generate_from_payload(payload)

    assert made is True
    assert file.storage.exists(file.name)
    assert Simple().get_state(file, check_if_unknown=False) == CacheFileState.EXISTS


def test_generating_from_a_stale_payload_makes_nothing(photo):
    payload = payload_for(photo.thumbnail)
    Photo.objects.all().delete()

    assert generate_from_payload(payload) is False


def test_a_file_named_by_hand_cannot_be_queued(photo):
    file = ImageCacheFile(photo.thumbnail.generator, name="CACHE/images/by-hand.jpg")

    with pytest.raises(Unqueueable, match="by hand"):
        payload_for(file)


def test_a_generator_changed_after_it_was_built_cannot_be_queued(photo):
    file = Photo.objects.get().thumbnail
    file.generator.format = "PNG"
    file.name = ImageCacheFile(file.generator).name

    with pytest.raises(Unqueueable, match="changed"):
        payload_for(file)
