"""Animated GIF and WebP sources stay animated as GIF or WebP (issue #11, item 11)."""

from __future__ import annotations

import io
import logging

import pytest
from django.core.files.base import ContentFile
from PIL import Image

from imagekit import ImageSpec
from imagekit.processors import ResizeToFit
from tests.reliability.images import animation
from tests.reliability.rss import generate_in_fresh_process

COLOURS = ("red", "green", "blue")
RGB = {"red": (255, 0, 0), "green": (0, 128, 0), "blue": (0, 0, 255)}


def spec(fmt, **attrs):
    return type(
        "AnimatedSpec", (ImageSpec,), {"processors": [ResizeToFit(32, 32)], "format": fmt, **attrs}
    )


def made(spec_class, data, name="uploads/anim.gif"):
    return Image.open(io.BytesIO(spec_class(source=ContentFile(data, name=name)).generate().read()))


def frames_of(image):
    """Return ``[(duration, colour at the centre), ...]`` for each frame of *image*."""
    frames = []
    for index in range(getattr(image, "n_frames", 1)):
        image.seek(index)
        image.load()
        frames.append((image.info.get("duration"), image.convert("RGB").getpixel((16, 12))))
    return frames


def close_to(pixel, colour):
    return all(abs(a - b) <= 8 for a, b in zip(pixel, RGB[colour], strict=True))


@pytest.mark.parametrize("source_format", ["GIF", "WEBP"])
@pytest.mark.parametrize("output_format", ["GIF", "WEBP"])
def test_an_animation_keeps_every_frame_through_the_processors(source_format, output_format):
    data = animation(source_format, size=(64, 48), durations=[40, 80, 120], loop=0)

    image = made(spec(output_format), data, name=f"uploads/anim.{source_format.lower()}")

    frames = frames_of(image)
    assert image.format == output_format
    assert image.size == (32, 24)
    assert [duration for duration, _ in frames] == [40, 80, 120]
    for (_, pixel), colour in zip(frames, COLOURS, strict=True):
        assert close_to(pixel, colour), frames
    assert image.info.get("loop") == 0


def test_a_loop_count_is_kept():
    image = made(spec("GIF"), animation("GIF", loop=3))

    assert image.info.get("loop") == 3


@pytest.mark.parametrize(("output_format", "loop"), [("GIF", None), ("WEBP", 1)])
def test_an_animation_that_plays_once_still_plays_once(output_format, loop):
    image = made(spec(output_format), animation("GIF"))  # no loop count: once

    assert image.info.get("loop") == loop


def test_a_spec_without_a_format_keeps_the_sources_animation():
    image = made(spec(None), animation("GIF", loop=0))

    assert image.format == "GIF"
    assert len(frames_of(image)) == 3


@pytest.mark.parametrize("output_format", ["JPEG", "PNG"])
def test_into_jpeg_or_png_the_first_frame_is_made(output_format):
    image = made(spec(output_format), animation("GIF", loop=0))

    frames = frames_of(image)
    assert len(frames) == 1
    assert close_to(frames[0][1], "red")


@pytest.mark.parametrize("source_format", ["GIF", "WEBP"])
def test_more_frames_than_the_setting_allows_make_the_first_frame_and_a_warning(
    settings, caplog, source_format
):
    settings.IMAGEKIT_MAX_OUTPUT_FRAMES = 2

    with caplog.at_level(logging.WARNING, logger="imagekit"):
        image = made(spec("GIF"), animation(source_format, loop=0), name="uploads/anim.gif")

    frames = frames_of(image)
    assert len(frames) == 1
    assert close_to(frames[0][1], "red")
    assert "more than 2 frames" in caplog.text
    assert "uploads/anim.gif" in caplog.text


def test_a_frame_limit_of_one_makes_the_first_frame_quietly(settings, caplog):
    settings.IMAGEKIT_MAX_OUTPUT_FRAMES = 1

    with caplog.at_level(logging.WARNING, logger="imagekit"):
        image = made(spec("GIF"), animation("GIF", loop=0))

    assert len(frames_of(image)) == 1
    assert caplog.text == ""


@pytest.mark.parametrize("source_format", ["GIF", "WEBP"])
def test_frames_over_the_output_cap_together_make_the_first_frame(source_format):
    # Each 32x24 frame is 768 pixels: two fit in 2000, three do not.
    with_cap = spec("WEBP", max_output_pixels=2000)

    frames = frames_of(made(with_cap, animation(source_format, loop=0)))

    assert len(frames) == 1


def test_a_long_animation_costs_memory_bounded_by_the_output_cap():
    # 600 different 256x256 frames: 150 MB as RGBA if all were kept. The
    # output cap (4096x4096) stops at 256 frames, and the first frame is made.
    frames = [
        Image.new("RGB", (256, 256), (index % 256, index // 3 % 256, 0)) for index in range(600)
    ]
    buffer = io.BytesIO()
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:], duration=20, loop=0)

    outcome = generate_in_fresh_process(
        "tests.reliability.memory_specs.AnimatedCopy",
        buffer.getvalue(),
        "long.gif",
        IMAGEKIT_MAX_OUTPUT_FRAMES=None,
    )

    assert outcome["image"] == [256, 256], outcome
    assert outcome["grew_mb"] < 100, outcome
