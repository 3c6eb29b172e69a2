"""The source cap holds while a file is opened, for every image inside it.

Each file below declares a small image in its header and holds a big one
(an ICO icon, an ICNS icon, a GIF frame), or has small first and big later
pages. Each is drawn with Pillow here; the memory a spec uses on it is
measured by peak RSS in a fresh process (``tests/reliability/rss.py``).
"""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile

from imagekit import ImageSpec
from imagekit.exceptions import SourceImageError
from imagekit.processors import ResizeToFit
from tests.reliability.images import (
    animation,
    gif_hiding,
    gif_with_a_hidden_frame,
    icns_hiding,
    ico_hiding,
    pages,
)
from tests.reliability.memory_specs import Icon
from tests.reliability.rss import generate_in_fresh_process

# Each hidden image is 4000x4000: 64 MB as RGBA once decoded.
HIDDEN = 4000


SPEC = "tests.reliability.memory_specs.Icon"

hiding = pytest.mark.parametrize(
    ("name", "data"),
    [
        pytest.param("icon.ico", ico_hiding(256, HIDDEN), id="an ICO icon"),
        pytest.param("icon.icns", icns_hiding(HIDDEN), id="an ICNS icon"),
        pytest.param("anim.gif", gif_hiding(100, HIDDEN), id="a GIF frame"),
    ],
)


@hiding
def test_a_file_hiding_a_bigger_image_than_it_declares_is_refused(name, data):
    with pytest.raises(SourceImageError, match=f"{HIDDEN}x{HIDDEN} pixels, more than the 1048576"):
        Icon(source=ContentFile(data, name=name)).generate()


@hiding
def test_a_file_hiding_a_bigger_image_is_refused_with_memory_bounded_by_the_cap(name, data):
    outcome = generate_in_fresh_process(SPEC, data, name)

    assert outcome["error"] == "SourceImageError", outcome
    # The cap is 1 megapixel (4 MB as RGBA); the hidden image would take 64 MB.
    assert outcome["grew_mb"] < 12, outcome


def test_a_file_hiding_a_bigger_image_is_refused_by_the_setting_too(settings):
    settings.IMAGEKIT_MAX_IMAGE_PIXELS = 1024 * 1024

    class Uncapped(ImageSpec):
        processors = [ResizeToFit(64, 64)]
        format = "PNG"

    with pytest.raises(SourceImageError, match="more than the 1048576 allowed"):
        Uncapped(source=ContentFile(ico_hiding(256, HIDDEN), name="icon.ico")).generate()


def test_the_cap_does_not_outlive_the_spec_that_set_it():
    from PIL import Image

    Icon(source=ContentFile(ico_hiding(256, 64), name="small.ico")).generate()

    assert Image.open(ContentFile(ico_hiding(256, 2000))).size == (2000, 2000)


@pytest.mark.parametrize(
    ("fmt", "options"),
    [
        pytest.param("TIFF", {"compression": "tiff_deflate"}, id="TIFF pages"),
        pytest.param("MPO", {}, id="MPO frames"),
    ],
)
def test_only_the_first_page_of_a_multi_page_file_is_decoded(fmt, options):
    data = pages(fmt, (64, 48), (HIDDEN, HIDDEN), **options)

    outcome = generate_in_fresh_process(SPEC, data, f"scan.{fmt.lower()}")

    assert outcome["image"] == [64, 48], outcome
    assert outcome["grew_mb"] < 12, outcome


def test_a_later_gif_frame_over_the_cap_is_refused_when_frames_are_made():
    from tests.reliability.memory_specs import AnimatedIcon

    source = ContentFile(gif_with_a_hidden_frame(100, HIDDEN), name="anim.gif")

    with pytest.raises(SourceImageError, match=f"{HIDDEN}x{HIDDEN} pixels, more than the 1048576"):
        AnimatedIcon(source=source).generate()


def test_a_later_gif_frame_over_the_cap_is_refused_with_memory_bounded_by_the_cap():
    outcome = generate_in_fresh_process(
        "tests.reliability.memory_specs.AnimatedIcon",
        gif_with_a_hidden_frame(100, HIDDEN),
        "anim.gif",
    )

    assert outcome["error"] == "SourceImageError", outcome
    assert outcome["grew_mb"] < 12, outcome


def test_an_animated_webp_canvas_over_the_cap_is_refused_from_its_header():
    data = animation("WEBP", size=(2000, 1000), colors=("red", "blue"))

    with pytest.raises(SourceImageError, match="2000x1000 pixels, more than the 1048576"):
        Icon(source=ContentFile(data, name="anim.webp")).generate()
