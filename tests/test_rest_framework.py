"""The Django REST framework field: url, width and height of a cache file.

Tested with real DRF: serializers given a request from ``APIRequestFactory``,
and the API of ``tests/testapp/api.py`` served through ``APIClient`` and Django's
request cycle, where the cost of a warm list is counted as
tests/test_call_counts.py counts a warm page's.
"""

from __future__ import annotations

import json
import logging
from html import unescape
from html.parser import HTMLParser

import pytest
from django.template import Context, Template
from django.urls import reverse
from rest_framework import serializers
from rest_framework.test import APIClient, APIRequestFactory

from imagekit.cachefiles.backends import get_default_cachefile_backend
from imagekit.cachefiles.worker import generate_from_payload
from imagekit.exceptions import MissingSource, NotRegistered, UnknownFormat
from imagekit.rest_framework import CacheFileField
from tests.testapp.api import PhotoSerializer, PicturePhotoSerializer
from tests.testapp.models import Photo, PictureSpecPhoto


@pytest.fixture
def photo(db, media_storage, image_file):
    return Photo.objects.create(original_image=image_file("photo.jpg", size=(200, 100)))


@pytest.fixture
def request_():
    return APIRequestFactory().get("/api/photos/")


def tag(source: str, photo) -> str:
    """Render a Django template tag for *photo*, for the URLs it gives."""
    return Template("{% load imagekit %}" + source).render(Context({"photo": photo}))


def src_of(html: str) -> str:
    return html.split(' src="', 1)[1].split('"', 1)[0]


# --- what it gives ---------------------------------------------------------------


def test_a_spec_field_gives_its_absolute_url_and_size(photo, request_):
    data = PhotoSerializer(photo, context={"request": request_}).data

    assert data["thumbnail"] == {
        "url": "http://testserver" + photo.thumbnail.url,
        "width": 50,
        "height": 50,
    }


def test_without_a_request_the_url_is_the_storages_own(photo):
    data = PhotoSerializer(photo).data

    assert data["thumbnail"]["url"] == photo.thumbnail.url
    assert data["thumbnail"]["url"].startswith("/media/CACHE/")


def test_a_source_plus_geometry_gives_the_file_of_the_thumbnail_tag(photo):
    data = PhotoSerializer(photo).data

    html = tag("{% thumbnail '60x30' photo.original_image anchor='c' %}", photo)
    assert data["card"] == {"url": src_of(html), "width": 60, "height": 30}


def test_a_generator_id_gives_the_file_of_the_generateimage_tag(photo):
    data = PhotoSerializer(photo).data

    html = tag("{% generateimage 'tests:photo:thumbnail' source=photo.original_image %}", photo)
    assert data["hero"]["url"] == src_of(html)


def test_a_generator_id_with_a_geometry_gives_the_file_of_the_thumbnail_tag(photo):
    field = CacheFileField("40x", generator="imagekit:thumbnail", source="original_image")

    class Serializer(serializers.Serializer):
        image = field

    data = Serializer(photo).data

    html = tag("{% thumbnail 'imagekit:thumbnail' '40x' photo.original_image %}", photo)
    assert data["image"] == {"url": src_of(html), "width": 40, "height": 20}


def test_thumbnail_options_reach_the_file_as_the_tags_do(photo):
    class Serializer(serializers.Serializer):
        image = CacheFileField(
            "30x30", source="original_image", crop=False, upscale=False, format="PNG"
        )

    data = Serializer(photo).data

    html = tag(
        "{% thumbnail '30x30' photo.original_image crop=False upscale=False format='PNG' %}", photo
    )
    assert data["image"] == {"url": src_of(html), "width": 30, "height": 15}
    assert data["image"]["url"].endswith(".png")


def test_a_photo_without_an_image_gives_null_for_every_field(db, media_storage):
    data = PhotoSerializer(Photo.objects.create()).data

    assert (data["thumbnail"], data["card"], data["hero"]) == (None, None, None)


def test_the_field_is_read_only_so_writes_leave_it_alone(photo):
    serializer = PhotoSerializer(photo, data={"thumbnail": "x", "card": "y"}, partial=True)

    assert serializer.is_valid(), serializer.errors
    assert serializer.validated_data == {}


# --- pictures: what {% picture %} renders, per format ------------------------------


class _PictureParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.sources: list[dict] = []
        self.img: dict = {}

    def handle_starttag(self, tag, attrs):
        if tag == "source":
            self.sources.append(dict(attrs))
        elif tag == "img":
            self.img = dict(attrs)


def picture_from_html(html: str) -> dict:
    """Read a rendered ``<picture>`` back as the field's representation of it."""
    parser = _PictureParser()
    parser.feed(html)
    img = parser.img
    return {
        "url": img["src"],
        "width": int(img["width"]),
        "height": int(img["height"]),
        "srcset": img["srcset"],
        "sizes": img["sizes"],
        "sources": parser.sources,
    }


def without(data: dict, *keys: str) -> dict:
    return {key: value for key, value in data.items() if key not in keys}


def test_a_picture_field_gives_what_the_picture_tag_renders(photo):
    data = PicturePhotoSerializer(photo).data["hero"]

    html = tag(
        "{% picture '60x40' photo.original_image widths='20 40 60' formats='avif webp' "
        "placeholder='blur' %}",
        photo,
    )
    assert without(data, "type", "placeholder") == picture_from_html(html)
    assert [source["type"] for source in data["sources"]] == ["image/avif", "image/webp"]
    assert data["type"] == "image/jpeg"
    assert data["placeholder"]["kind"] == "blur"
    assert data["placeholder"]["value"] in unescape(html)  # the same preview, behind the <img>


def test_a_picture_of_a_spec_field_reuses_its_spec(photo):
    class Serializer(serializers.Serializer):
        thumbnail = CacheFileField(widths=[25, 50], formats="webp", sizes="50vw")

    data = Serializer(photo).data["thumbnail"]

    html = tag("{% picture photo.thumbnail widths='25 50' formats='webp' sizes='50vw' %}", photo)
    assert without(data, "type", "placeholder") == picture_from_html(html)
    assert (data["width"], data["height"]) == (50, 50)


def test_a_picture_of_a_generator_id_is_the_tags(photo):
    class Serializer(serializers.Serializer):
        image = CacheFileField(
            generator="tests:photo:thumbnail", source="original_image", widths="25", formats=""
        )

    data = Serializer(photo).data["image"]

    html = tag(
        "{% picture 'tests:photo:thumbnail' source=photo.original_image widths='25' formats='' %}",
        photo,
    )
    assert without(data, "type", "placeholder") == picture_from_html(html)
    assert data["sources"] == []


def test_picture_true_takes_what_the_spec_field_declares(db, media_storage, image_file):
    item = PictureSpecPhoto.objects.create(image=image_file("declared.jpg", size=(320, 240)))

    class Serializer(serializers.Serializer):
        hero = CacheFileField(picture=True)

    data = Serializer(item).data["hero"]

    html = tag("{% picture photo.hero %}", item)
    assert without(data, "type", "placeholder") == picture_from_html(html)
    assert [source["type"] for source in data["sources"]] == ["image/webp"]
    assert data["srcset"].count("w, ") == 1  # the declared widths: 80 and 160
    assert data["placeholder"]["kind"] == "blur"


def test_with_the_request_every_url_of_a_picture_is_absolute(photo, request_):
    data = PicturePhotoSerializer(photo, context={"request": request_}).data["hero"]

    srcsets = [data["srcset"]] + [source["srcset"] for source in data["sources"]]
    urls = [data["url"]] + [entry.split()[0] for srcset in srcsets for entry in srcset.split(", ")]
    assert len(urls) == 1 + 3 * 3
    assert all(url.startswith("http://testserver/media/CACHE/") for url in urls)


def test_a_picture_without_a_source_is_null(db, media_storage):
    data = PicturePhotoSerializer(Photo.objects.create()).data

    assert data["hero"] is None


# --- missing sources and bad arguments --------------------------------------------


@pytest.fixture
def deleted_source_photo(photo, media_storage):
    media_storage.delete(photo.original_image.name)
    return Photo.objects.get(pk=photo.pk)


def test_a_deleted_source_raises_when_the_policy_is_raise(deleted_source_photo, settings):
    settings.IMAGEKIT_TEMPLATE_MISSING_SOURCE = "raise"

    with pytest.raises(MissingSource):
        PhotoSerializer(deleted_source_photo).data  # noqa: B018


def test_a_deleted_source_gives_null_and_a_warning_when_the_policy_is_empty(
    deleted_source_photo, settings, caplog
):
    settings.IMAGEKIT_TEMPLATE_MISSING_SOURCE = "empty"

    with caplog.at_level(logging.WARNING, logger="imagekit"):
        data = PhotoSerializer(deleted_source_photo).data

    assert data["thumbnail"] is None
    assert "'thumbnail' gave null" in caplog.text


@pytest.mark.parametrize(
    ("kwargs", "error", "words"),
    [
        ({"geometry": "100y50"}, ValueError, "geometry=: Invalid thumbnail geometry '100y50'"),
        ({"geometry": "10x10", "anchor": "middle"}, ValueError, "anchor=: 'middle'"),
        ({"geometry": "10x10", "format": "JPG2"}, UnknownFormat, "format=: 'JPG2'"),
        ({"anchor": "c"}, TypeError, "anchor= apply to a thumbnail"),
        ({"generator": "a:b", "crop": 0}, TypeError, "crop= apply to a thumbnail"),
        ({"geometry": "10x10", "widths": "20 wide"}, ValueError, "widths=: 'wide'"),
        ({"geometry": "10x10", "formats": "avif gif2"}, ValueError, "formats=: 'gif2'"),
        ({"geometry": "10x10", "sizes": "half"}, ValueError, "sizes=: 'half'"),
        ({"geometry": "10x10", "placeholder": "fog"}, ValueError, "placeholder=: 'fog'"),
        ({"geometry": "10x10", "picture": True, "format": "PNG"}, TypeError, "formats="),
        ({"geometry": "1x1", "generator": "a:b", "picture": True}, TypeError, "not both"),
    ],
)
def test_a_bad_argument_is_an_error_naming_it_when_the_serializer_is_declared(kwargs, error, words):
    with pytest.raises(error, match=words.replace("(", r"\(")):
        CacheFileField(**kwargs)


def test_an_image_field_without_a_geometry_is_an_error_naming_both(photo):
    class Serializer(serializers.Serializer):
        image = CacheFileField(source="original_image")

    with pytest.raises(TypeError, match=r"'image': 'original_image' gives .* not a cache file"):
        Serializer(photo).data  # noqa: B018


def test_an_unknown_generator_id_is_the_registrys_error(photo):
    class Serializer(serializers.Serializer):
        image = CacheFileField(source="original_image", generator="tests:nope")

    with pytest.raises(NotRegistered, match="tests:nope"):
        Serializer(photo).data  # noqa: B018


# --- through the request cycle: what a warm list costs ----------------------------


@pytest.fixture
def photos(db, recording_default_storage, image_file):
    for i in range(10):
        Photo.objects.create(original_image=image_file(f"p{i}.jpg", size=(120, 80)))
    return list(Photo.objects.all())


def get_list(client):
    response = client.get(reverse("api-photos"))
    assert response.status_code == 200
    return response.json()


def test_the_api_lists_every_photo_with_its_files(photos, recording_default_storage):
    rows = get_list(APIClient())

    assert [row["id"] for row in rows] == [photo.pk for photo in photos]
    assert all(row["thumbnail"]["url"].startswith("http://testserver/") for row in rows)
    assert {(row["card"]["width"], row["card"]["height"]) for row in rows} == {(60, 30)}


def test_a_warm_list_costs_one_cache_round_trip_in_a_process_that_served_it(
    photos, recording_default_storage, recording_default_cache
):
    client = APIClient()
    first = get_list(client)  # generates the files
    recording_default_cache.calls.clear()

    second = get_list(client)

    assert second == first
    assert recording_default_cache.methods_called() == ["get_many"]


def test_a_warm_list_asks_the_storage_only_for_urls(
    photos, recording_default_storage, recording_default_cache
):
    client = APIClient()
    get_list(client)
    recording_default_storage.calls.clear()

    get_list(client)

    # Three files per row, each asked for its URL once.
    assert recording_default_storage.methods_called() == ["url"] * 3 * len(photos)


def test_a_warm_list_costs_one_round_trip_per_file_once_the_memory_is_dropped(
    photos, recording_default_storage, recording_default_cache
):
    client = APIClient()
    get_list(client)
    # What every process sees after the epoch key goes: as a fresh process.
    recording_default_cache.delete(get_default_cachefile_backend().get_epoch_key())
    recording_default_cache.calls.clear()

    get_list(client)

    # As a page of template tags: one get_many (state and size) per file; a
    # row has two files ("hero" is the file of "thumbnail": the same spec).
    assert sorted(recording_default_cache.methods_called()) == ["add"] + ["get_many"] * 2 * len(
        photos
    )


def test_a_prefetched_list_costs_one_round_trip_whatever_the_process_remembers(
    photos, recording_default_storage, recording_default_cache, settings
):
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, "imagekit.middleware.CacheFileStateMiddleware"]
    client = APIClient()
    first = client.get(reverse("api-thumbnails"))
    assert first.status_code == 200
    recording_default_cache.delete(get_default_cachefile_backend().get_epoch_key())
    recording_default_cache.calls.clear()
    recording_default_storage.calls.clear()

    again = client.get(reverse("api-thumbnails"))

    assert again.json() == first.json()
    assert recording_default_cache.methods_called() == ["get_many"]
    assert set(recording_default_storage.methods_called()) == {"url"}


def test_a_warm_list_of_pictures_costs_one_cache_round_trip_and_storage_urls(
    photos, recording_default_storage, recording_default_cache
):
    client = APIClient()
    response = client.get(reverse("api-pictures"))  # generates the variants
    assert response.status_code == 200
    recording_default_cache.calls.clear()
    recording_default_storage.calls.clear()

    again = client.get(reverse("api-pictures"))

    assert again.json() == response.json()
    assert recording_default_cache.methods_called() == ["get_many"]
    assert set(recording_default_storage.methods_called()) == {"url"}


@pytest.mark.django_db(transaction=True)  # tasks are sent when the transaction commits
def test_with_a_task_queue_sizes_are_null_until_a_worker_made_the_file(
    recording_queue, media_storage, image_file
):
    photo = Photo.objects.create(original_image=image_file("photo.jpg", size=(200, 100)))

    waiting = PhotoSerializer(photo).data["thumbnail"]  # django-imagekit: FileNotFoundError
    assert waiting["url"].startswith("/media/CACHE/")
    assert (waiting["width"], waiting["height"]) == (None, None)
    assert recording_queue.sent
    for sent in recording_queue.sent:  # what the worker runs
        assert generate_from_payload(json.loads(sent)) is True

    made = PhotoSerializer(Photo.objects.get()).data["thumbnail"]
    assert made == {"url": waiting["url"], "width": 50, "height": 50}
