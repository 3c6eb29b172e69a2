"""Mutated image bytes give a thumbnail or a SourceImageError, and nothing else.

Hypothesis takes small valid JPEG, PNG and GIF files, flips, overwrites,
inserts, deletes and cuts bytes, and runs the result through a spec's
``generate()``. By default the run is bounded and repeatable (150 examples,
derandomized). For a longer, random hunt::

    IMAGEKIT_FUZZ_EXAMPLES=3000 python -m pytest tests/reliability/test_fuzz.py
"""

from __future__ import annotations

import os

from django.core.files.base import ContentFile
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from PIL import Image

from imagekit import ImageSpec
from imagekit.exceptions import SourceImageError
from imagekit.processors import ResizeToFill, Transpose
from tests.reliability.images import (
    ORIENTATION,
    animated_gif,
    encode,
    halves,
    noisy,
    palette_png_with_transparency,
    srgb_profile,
)

EXAMPLES = int(os.environ.get("IMAGEKIT_FUZZ_EXAMPLES", "150"))


def _rotated_jpeg(size=(24, 16)) -> bytes:
    exif = Image.Exif()
    exif[ORIENTATION] = 6
    return encode(halves(size), "JPEG", exif=exif, icc_profile=srgb_profile())


SEEDS = [
    ("seed.jpg", encode(halves((24, 16)), "JPEG")),
    ("seed.jpg", _rotated_jpeg()),
    # Big enough to be decoded at a reduced scale (imagekit.jpeg_reduction).
    ("seed.jpg", _rotated_jpeg((200, 120))),
    ("seed.jpg", noisy("JPEG", (160, 120))),
    ("seed.jpg", encode(Image.new("CMYK", (24, 16), (0, 255, 255, 0)), "JPEG")),
    ("seed.png", encode(halves((24, 16)), "PNG")),
    ("seed.png", encode(Image.new("RGBA", (24, 16), (255, 0, 0, 128)), "PNG")),
    ("seed.png", palette_png_with_transparency((24, 16))),
    ("seed.png", encode(Image.new("I;16", (24, 16), 40000), "PNG")),
    ("seed.gif", encode(halves((24, 16)), "GIF")),
    ("seed.gif", animated_gif((24, 16))),
]


@st.composite
def mutated_images(draw) -> tuple[str, bytes]:
    """Return ``(name, bytes)``: a seed image with a few random edits."""
    name, seed = draw(st.sampled_from(SEEDS))
    data = bytearray(seed)
    for _ in range(draw(st.integers(min_value=1, max_value=6))):
        if not data:
            break
        at = draw(st.integers(min_value=0, max_value=len(data) - 1))
        edit = draw(st.sampled_from(["flip", "overwrite", "insert", "delete", "cut"]))
        if edit == "flip":
            data[at] ^= 1 << draw(st.integers(min_value=0, max_value=7))
        elif edit == "overwrite":
            data[at] = draw(st.integers(min_value=0, max_value=255))
        elif edit == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=16))
        elif edit == "delete":
            del data[at : at + draw(st.integers(min_value=1, max_value=16))]
        else:
            del data[at:]
    return name, bytes(data)


class FuzzThumbnail(ImageSpec):
    processors = [Transpose(), ResizeToFill(20, 10)]
    # A mutated header may declare any size: keep each example small and fast.
    max_image_pixels = 1_000_000


@hypothesis_settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    derandomize="IMAGEKIT_FUZZ_EXAMPLES" not in os.environ,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(image=mutated_images(), output_format=st.sampled_from(["JPEG", "PNG", "WEBP", None]))
def test_mutated_image_bytes_give_a_thumbnail_or_a_source_image_error(image, output_format):
    name, data = image

    class Spec(FuzzThumbnail):
        format = output_format

    try:
        output = Spec(source=ContentFile(data, name=name)).generate()
    except SourceImageError:
        return
    with Image.open(output) as thumbnail:
        thumbnail.load()
        assert thumbnail.size == (20, 10)
