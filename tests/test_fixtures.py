"""The test harness itself: fixtures make real images and isolate media files."""

from __future__ import annotations

import io
from pathlib import Path

from django.conf import settings as django_settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage, storages
from PIL import Image

from imagekit import ImageSpec
from imagekit.registry import cachefile_registry, generator_registry, register, unregister
from tests.conftest import Registrations


def test_make_image_returns_an_image_in_the_requested_format_size_and_mode(make_image):
    data = make_image("PNG", size=(30, 20), mode="RGBA", color=(1, 2, 3, 128))

    with Image.open(io.BytesIO(data)) as image:
        assert (image.format, image.size, image.mode) == ("PNG", (30, 20), "RGBA")
        assert image.getpixel((0, 0)) == (1, 2, 3, 128)


def test_make_image_defaults_to_a_small_rgb_jpeg(make_image):
    with Image.open(io.BytesIO(make_image())) as image:
        assert (image.format, image.size, image.mode) == ("JPEG", (64, 48), "RGB")


def test_image_file_takes_its_format_from_the_extension_of_its_name(image_file):
    upload = image_file("dog.png", size=(10, 10))

    assert upload.name == "dog.png"
    assert upload.content_type == "image/png"
    with Image.open(upload) as image:
        assert image.format == "PNG"


def test_media_storage_saves_files_below_tmp_path(media_storage, tmp_path):
    name = media_storage.save("photos/a.txt", ContentFile(b"hello"))

    assert (tmp_path / "media" / name).read_bytes() == b"hello"


def test_media_storage_is_the_storage_the_default_alias_resolves_to(media_storage):
    assert storages["default"] is media_storage
    assert Path(default_storage.path("x.jpg")) == Path(media_storage.location) / "x.jpg"


def test_media_root_outside_the_fixture_is_a_private_temporary_folder():
    media_root = Path(django_settings.MEDIA_ROOT)
    repo_root = Path(__file__).resolve().parent.parent

    assert media_root.name.startswith("imagekit-tests-media-")
    assert repo_root not in media_root.parents


# --- registrations ------------------------------------------------------------------


class _Spec(ImageSpec):
    format = "PNG"


class _OtherSpec(ImageSpec):
    format = "JPEG"


class _Group:
    def __init__(self, *files):
        self._files = files

    def files(self):
        yield from self._files


def test_registrations_take_back_what_was_registered_through_them():
    made = Registrations()
    made.generator("tests:fixtures:spec", _Spec)
    made.cachefiles("tests:fixtures:spec", lambda: ["listed"])
    made.source_group("tests:fixtures:spec", _Group(ContentFile(b"", name="a.png")))
    assert len(list(cachefile_registry.get("tests:fixtures:spec"))) == 2

    made.undo()

    assert "tests:fixtures:spec" not in generator_registry.get_ids()
    assert list(cachefile_registry.get("tests:fixtures:spec")) == []


def test_registrations_unregister_generators_registered_any_other_way():
    made = Registrations()
    register.generator("tests:fixtures:direct", _Spec)

    made.undo()

    assert "tests:fixtures:direct" not in generator_registry.get_ids()


def test_registrations_leave_generators_registered_before_them_alone():
    before = list(generator_registry.get_ids())

    Registrations().undo()

    assert list(generator_registry.get_ids()) == before


def test_registrations_put_a_replaced_generator_back():
    register.generator("tests:fixtures:kept", _Spec)
    try:
        made = Registrations()
        made.generator("tests:fixtures:kept", _OtherSpec, replacing=_Spec)
        during = generator_registry.get("tests:fixtures:kept", source=None)

        made.undo()

        after = generator_registry.get("tests:fixtures:kept", source=None)
        assert (type(during), type(after)) == (_OtherSpec, _Spec)
    finally:
        unregister.generator("tests:fixtures:kept")  # registered outside any Registrations
