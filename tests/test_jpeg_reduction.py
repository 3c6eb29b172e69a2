"""Reduced-scale JPEG decoding: used only when the output cannot tell."""

from __future__ import annotations

import io
import math

import pytest
from django.core.files.base import ContentFile
from PIL import Image, ImageChops, ImageDraw, ImageStat

import imagekit.specs
from imagekit import ImageSpec
from imagekit.jpeg_reduction import reduce_for
from imagekit.processors import (
    Adjust,
    Crop,
    ResizeToFill,
    ResizeToFit,
    SmartResize,
    Thumbnail,
    Transpose,
)


def photo_like(size, fmt="JPEG", orientation=None):
    """Return encoded bytes of an image with edges and gradients (not flat)."""
    width, height = size
    image = Image.linear_gradient("L").resize(size).convert("RGB")
    draw = ImageDraw.Draw(image)
    for i in range(12):
        box = (i * width // 12, i * height // 14, i * width // 12 + width // 5, height - 1)
        draw.rectangle(box, fill=(40 * i % 256, 255 - 20 * i, 90))
    buffer = io.BytesIO()
    options = {}
    if orientation:
        exif = Image.Exif()
        exif[0x0112] = orientation
        options["exif"] = exif
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def opened(data):
    return Image.open(io.BytesIO(data))


def psnr(a, b):
    diff = ImageChops.difference(a.convert("RGB"), b.convert("RGB"))
    mse = sum(v * v for v in ImageStat.Stat(diff).rms) / 3
    return math.inf if mse == 0 else 10 * math.log10(255**2 / mse)


def test_a_big_jpeg_is_decoded_at_the_smallest_scale_that_keeps_twice_the_detail():
    image = opened(photo_like((1600, 1200)))

    assert reduce_for(image, [ResizeToFill(100, 50)]) is True
    assert image.size == (200, 150)  # 1/8: still twice the 100x75 the resize makes


def test_a_jpeg_whose_size_the_scale_does_not_divide_is_decoded_whole():
    image = opened(photo_like((1601, 1200)))

    assert reduce_for(image, [ResizeToFill(100, 50)]) is False
    assert image.size == (1601, 1200)


def test_a_png_is_decoded_whole():
    image = opened(photo_like((1600, 1200), fmt="PNG"))

    assert reduce_for(image, [ResizeToFill(100, 50)]) is False


@pytest.mark.parametrize(
    "processors",
    [
        pytest.param([Crop(50, 50, x=10, y=10), ResizeToFill(20, 20)], id="crop first"),
        pytest.param([], id="no processors"),
        pytest.param([Adjust(contrast=1.2)], id="no resize"),
    ],
)
def test_a_chain_that_does_not_start_with_a_known_resize_is_decoded_whole(processors):
    image = opened(photo_like((1600, 1200)))

    assert reduce_for(image, processors) is False


def test_a_subclass_of_a_resize_is_not_trusted():
    class MyFill(ResizeToFill):
        pass

    assert reduce_for(opened(photo_like((1600, 1200))), [MyFill(100, 50)]) is False


def test_scale_independent_processors_before_the_resize_are_allowed():
    image = opened(photo_like((1600, 1200)))

    assert reduce_for(image, [Adjust(contrast=1.1), ResizeToFill(100, 50)]) is True


def test_an_exif_quarter_turn_is_taken_into_account():
    # Shown as 800x1600 after Transpose; the fill then needs 100x200, so 1/8
    # (100x200 shown) would leave no margin and 1/4 is used.
    image = opened(photo_like((1600, 800), orientation=6))

    assert reduce_for(image, [Transpose(), ResizeToFill(100, 50)]) is True
    assert image.size == (400, 200)


def test_too_small_a_jpeg_is_decoded_whole():
    image = opened(photo_like((320, 240)))

    assert reduce_for(image, [ResizeToFill(200, 150)]) is False


class FillSpec(ImageSpec):
    processors = [ResizeToFill(100, 50)]
    format = "JPEG"
    options = {"quality": 95}


class SmartSpec(FillSpec):
    processors = [SmartResize(100, 50)]


class FitSpec(FillSpec):
    processors = [ResizeToFit(300, 300)]


class ThumbSpec(FillSpec):
    processors = [Thumbnail(120, None)]


class RotatedSpec(FillSpec):
    processors = [Transpose(), ResizeToFill(100, 50)]


def generate(spec_class, data, draft, monkeypatch):
    if not draft:
        monkeypatch.setattr(imagekit.specs, "reduce_for", lambda image, processors: False)
    else:
        monkeypatch.setattr(imagekit.specs, "reduce_for", reduce_for)
    source = ContentFile(data, name="photos/big.jpg")
    return Image.open(spec_class(source=source).generate())


@pytest.mark.parametrize("spec_class", [FillSpec, SmartSpec, FitSpec, ThumbSpec, RotatedSpec])
def test_a_reduced_decode_gives_the_same_size_and_nearly_the_same_pixels(spec_class, monkeypatch):
    orientation = 6 if spec_class is RotatedSpec else None
    data = photo_like((2400, 1600), orientation=orientation)

    whole = generate(spec_class, data, draft=False, monkeypatch=monkeypatch)
    reduced = generate(spec_class, data, draft=True, monkeypatch=monkeypatch)

    assert reduced.size == whole.size
    assert psnr(reduced, whole) >= 35


def test_specs_decode_big_jpegs_at_a_reduced_scale(monkeypatch):
    results = []

    def recording(image, processors):
        results.append(reduce_for(image, processors))
        return results[-1]

    monkeypatch.setattr(imagekit.specs, "reduce_for", recording)
    FillSpec(source=ContentFile(photo_like((1600, 1200)), name="a.jpg")).generate()

    assert results == [True]
