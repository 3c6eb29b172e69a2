"""Every ordinary kind of image goes through a spec, whatever the output format."""

from __future__ import annotations

import io

import pytest
from django.core.files.base import ContentFile
from PIL import Image

from imagekit import ImageSpec
from imagekit.processors import ResizeToFill, Transpose
from tests.reliability.images import (
    ORIENTATION,
    animated_gif,
    encode,
    halves,
    palette_png_with_transparency,
    solid,
)

SOURCES = {
    "GIF": ("photo.gif", solid("GIF")),
    "animated GIF": ("photo.gif", animated_gif()),
    "CMYK JPEG": ("photo.jpg", solid("JPEG", mode="CMYK", color=(0, 255, 255, 0))),
    "16-bit PNG": ("photo.png", encode(Image.new("I;16", (64, 48), 40000), "PNG")),
    "palette PNG with transparency": ("photo.png", palette_png_with_transparency()),
    "RGBA PNG": ("photo.png", solid("PNG", mode="RGBA", color=(255, 0, 0, 128))),
    "greyscale JPEG": ("photo.jpg", solid("JPEG", mode="L", color=128)),
    "WebP": ("photo.webp", solid("WEBP")),
}

# What a spec with format None writes: the source's own format.
SOURCE_FORMATS = {"gif": "GIF", "jpg": "JPEG", "png": "PNG", "webp": "WEBP"}


def spec_for(output_format: str | None, processors=None) -> type[ImageSpec]:
    class Fill(ImageSpec):
        format = output_format

    Fill.processors = processors if processors is not None else [ResizeToFill(20, 10)]
    return Fill


def generated(spec_class: type[ImageSpec], name: str, data: bytes) -> Image.Image:
    output = spec_class(source=ContentFile(data, name=name)).generate()
    image = Image.open(io.BytesIO(output.getvalue()))
    image.load()
    return image


@pytest.mark.parametrize("output_format", ["JPEG", "PNG", None])
@pytest.mark.parametrize(("name", "data"), list(SOURCES.values()), ids=list(SOURCES))
def test_an_ordinary_image_becomes_a_thumbnail_of_the_requested_size_and_format(
    name, data, output_format
):
    image = generated(spec_for(output_format), name, data)

    expected_format = output_format or SOURCE_FORMATS[name.rsplit(".", 1)[1]]
    assert (image.format, image.size) == (expected_format, (20, 10))


def test_an_rgba_source_becomes_a_jpeg_on_white():
    data = solid("PNG", mode="RGBA", color=(255, 0, 0, 0))  # fully transparent red

    image = generated(spec_for("JPEG"), "photo.png", data)

    assert all(channel > 240 for channel in image.convert("RGB").getpixel((10, 5)))


def test_a_palette_pngs_transparency_survives_as_png():
    image = generated(spec_for("PNG"), "photo.png", palette_png_with_transparency())

    rgba = image.convert("RGBA")
    assert (rgba.getpixel((2, 5))[3], rgba.getpixel((17, 5))[3]) == (0, 255)


def test_a_cmyk_jpeg_keeps_its_colour_as_rgb():
    data = solid("JPEG", mode="CMYK", color=(0, 255, 255, 0))  # red

    image = generated(spec_for("JPEG"), "photo.jpg", data)

    red, green, blue = image.convert("RGB").getpixel((10, 5))
    assert red > 200 and green < 50 and blue < 50


def test_an_exif_rotated_photo_comes_out_upright_with_transpose():
    # Stored sideways: left half red, right half blue, with "rotate 90° clockwise
    # to display" (orientation 6). Upright, it is portrait, red on top.
    exif = Image.Exif()
    exif[ORIENTATION] = 6
    data = encode(halves((64, 48)), "JPEG", exif=exif)

    image = generated(spec_for("JPEG", [Transpose(), ResizeToFill(30, 40)]), "photo.jpg", data)

    rgb = image.convert("RGB")
    top, bottom = rgb.getpixel((15, 5)), rgb.getpixel((15, 35))
    assert image.size == (30, 40)
    assert top[0] > 200 and top[2] < 50
    assert bottom[2] > 200 and bottom[0] < 50
