"""EXIF orientation is applied by default, before the processors (issue #11, item 10)."""

from __future__ import annotations

import io

import pytest
from django.core.files.base import ContentFile
from django.template import Context, Template
from PIL import Image

import imagekit.specs
from imagekit import ImageSpec
from imagekit.jpeg_reduction import reduce_for
from imagekit.orientation import with_orientation
from imagekit.processors import Adjust, ResizeToFill, ResizeToFit, Transpose
from tests.reliability.images import halves, oriented_jpeg
from tests.testapp.models import Photo


def spec(*processors, fmt="PNG"):
    return type("OrientedSpec", (ImageSpec,), {"processors": list(processors), "format": fmt})


def made(spec_class, data, name="photos/phone.jpg"):
    return Image.open(spec_class(source=ContentFile(data, name=name)).generate()).convert("RGB")


def is_red(pixel):
    return pixel[0] > 200 and pixel[2] < 60


def is_blue(pixel):
    return pixel[2] > 200 and pixel[0] < 60


def test_a_phone_photo_with_orientation_6_comes_out_upright_without_transpose():
    # Stored sideways (left half red, right half blue), to be turned a
    # quarter clockwise: upright it is portrait, red on top.
    image = made(spec(ResizeToFill(30, 40)), oriented_jpeg(6))

    assert image.size == (30, 40)
    assert is_red(image.getpixel((15, 5)))
    assert is_blue(image.getpixel((15, 35)))


@pytest.mark.parametrize("orientation", range(1, 9))
def test_every_orientation_gives_the_pixels_transpose_gives(orientation):
    data = oriented_jpeg(orientation)

    default = made(spec(ResizeToFit(40, 40)), data)
    with_transpose = made(spec(Transpose(), ResizeToFit(40, 40)), data)

    assert default.tobytes() == with_transpose.tobytes()


def test_a_spec_that_starts_with_transpose_is_not_turned_twice(settings):
    data = oriented_jpeg(6)
    turned_once = made(spec(Transpose(), ResizeToFill(30, 40)), data)

    settings.IMAGEKIT_APPLY_EXIF_ORIENTATION = False
    imagekits_own = made(spec(Transpose(), ResizeToFill(30, 40)), data)

    assert turned_once.tobytes() == imagekits_own.tobytes()


def test_a_transpose_later_in_the_chain_does_not_turn_it_again():
    data = oriented_jpeg(6)

    image = made(spec(Adjust(contrast=1.0), Transpose(), ResizeToFill(30, 40)), data)

    assert is_red(image.getpixel((15, 5)))


def test_the_setting_turned_off_gives_imagekits_sideways_output(settings):
    settings.IMAGEKIT_APPLY_EXIF_ORIENTATION = False

    image = made(spec(ResizeToFit(32, 32)), oriented_jpeg(6))

    assert image.size == (32, 24)
    assert is_red(image.getpixel((4, 12)))
    assert is_blue(image.getpixel((28, 12)))


def test_an_image_without_orientation_is_unchanged_by_the_default(settings):
    data = io.BytesIO()
    halves((64, 48)).save(data, "JPEG", quality=95)

    default = made(spec(ResizeToFit(32, 32)), data.getvalue())
    settings.IMAGEKIT_APPLY_EXIF_ORIENTATION = False
    imagekits_own = made(spec(ResizeToFit(32, 32)), data.getvalue())

    assert default.tobytes() == imagekits_own.tobytes()


def test_a_png_and_a_webp_with_orientation_are_turned_too():
    exif = Image.Exif()
    exif[0x0112] = 6
    for fmt in ("PNG", "WEBP"):
        data = io.BytesIO()
        halves((64, 48)).save(data, fmt, exif=exif, lossless=True)

        image = made(spec(ResizeToFit(32, 32)), data.getvalue(), name=f"photo.{fmt.lower()}")

        assert image.size == (24, 32), fmt
        assert is_red(image.getpixel((12, 4))), fmt


def test_cache_file_names_do_not_depend_on_the_setting(settings):
    source = ContentFile(oriented_jpeg(6), name="photos/phone.jpg")
    spec_class = spec(ResizeToFill(30, 40), fmt="JPEG")
    name = spec_class(source=source).cachefile_name

    settings.IMAGEKIT_APPLY_EXIF_ORIENTATION = False

    assert spec_class(source=source).cachefile_name == name


def test_the_thumbnail_tag_turns_phone_photos_upright(db, media_storage):
    from django.core.files.uploadedfile import SimpleUploadedFile

    photo = Photo.objects.create(
        original_image=SimpleUploadedFile("phone.jpg", oriented_jpeg(6), "image/jpeg")
    )
    rendered = Template(
        "{% load imagekit %}{% thumbnail '30x40' photo.original_image as th %}"
        "{{ th.url }} {{ th.name }}"
    ).render(Context({"photo": photo}))

    with media_storage.open(rendered.split()[1]) as made:
        image = Image.open(made).convert("RGB")
    assert image.size == (30, 40)
    assert is_red(image.getpixel((15, 5)))


# --- reduced-scale JPEG decoding under a quarter turn --------------------------


def test_a_turned_jpeg_is_still_decoded_at_a_reduced_scale():
    image = Image.open(io.BytesIO(oriented_jpeg(6, size=(1600, 800))))

    assert reduce_for(image, with_orientation([ResizeToFit(100, 100)])) is True
    assert image.size == (200, 100)  # 1/8: upright 100x200, twice the 50x100 made


def test_a_turned_jpeg_is_not_reduced_below_what_its_upright_resize_needs():
    # Upright it is 800x1600: covering 300x100 makes 300x600, so no 1/2,
    # 1/4 or 1/8 decode keeps twice that. Sideways it would have seemed fine.
    image = Image.open(io.BytesIO(oriented_jpeg(6, size=(1600, 800))))

    assert reduce_for(image, with_orientation([ResizeToFill(300, 100)])) is False


def test_a_turned_and_reduced_jpeg_has_the_size_of_a_whole_decode(monkeypatch):
    data = oriented_jpeg(6, size=(1600, 800))
    reduced = made(spec(ResizeToFit(100, 100)), data)
    monkeypatch.setattr(imagekit.specs, "reduce_for", lambda image, processors: False)

    whole = made(spec(ResizeToFit(100, 100)), data)

    assert reduced.size == whole.size == (50, 100)
    assert is_red(reduced.getpixel((25, 10)))
