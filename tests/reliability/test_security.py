"""Hostile source names stay in the cache folder; outputs carry no location, keep colour.

Names for ordinary sources are pinned, byte for byte against ImageKit 6.1, in
``tests/test_names_compat.py``; this module only covers names an attacker or
an unusual upload could choose.
"""

from __future__ import annotations

import io
import os

import pytest
from django.core.files.base import ContentFile
from PIL import Image

from imagekit import ImageSpec
from imagekit.cachefiles import ImageCacheFile
from imagekit.processors import ResizeToFill, ResizeToFit
from tests.reliability.images import (
    GPS_IFD,
    cmyk_profile,
    encode,
    photo_with_location_and_profile,
    profile_declaring,
    solid,
    srgb_profile,
)

HOSTILE_NAMES = {
    "parent folders": "../../../etc/cron.d/evil.jpg",
    "parent folders after a folder": "photos/../../../../outside.jpg",
    "an absolute path": "/etc/passwd.jpg",
    "unicode": "fotos/Ünïcødé/写真 ☃.jpg",
    "quotes": 'photos/it\'s a "quoted" <name>.jpg',
    "a 300-character name": "photos/" + "a" * 289 + ".jpg",
    "a 300-byte unicode name": "photos/" + "é" * 148 + ".jpg",
    "only dots": "photos/.../..jpg",
}

NAMERS = [
    "imagekit.cachefiles.namers.source_name_as_path",
    "imagekit.cachefiles.namers.source_name_dot_hash",
]

hostile_names = pytest.mark.parametrize(
    "source_name", list(HOSTILE_NAMES.values()), ids=list(HOSTILE_NAMES)
)
namers = pytest.mark.parametrize("namer", NAMERS, ids=lambda path: path.rsplit(".", 1)[1])


class SecureThumbnail(ImageSpec):
    processors = [ResizeToFill(20, 10)]
    format = "JPEG"


def cache_file_for(source_name: str) -> ImageCacheFile:
    return ImageCacheFile(SecureThumbnail(source=ContentFile(solid("JPEG"), name=source_name)))


@namers
@hostile_names
def test_a_hostile_source_name_gives_a_cache_file_inside_the_cache_folder(
    settings, media_root, cache_root, namer, source_name
):
    settings.IMAGEKIT_SPEC_CACHEFILE_NAMER = namer

    file = cache_file_for(source_name)

    target = os.path.abspath(os.path.join(media_root, file.name))
    assert os.path.commonpath([str(cache_root), target]) == str(cache_root)


@namers
@hostile_names
def test_a_hostile_source_names_cache_file_can_be_saved(
    settings, media_storage, namer, source_name
):
    settings.IMAGEKIT_SPEC_CACHEFILE_NAMER = namer
    file = cache_file_for(source_name)

    file.generate()

    assert media_storage.exists(file.name)


def test_distinct_hostile_source_names_get_distinct_cache_files():
    names = {cache_file_for(source_name).name for source_name in HOSTILE_NAMES.values()}

    assert len(names) == len(HOSTILE_NAMES)


# --- metadata ------------------------------------------------------------------------

PROCESSOR_CHAINS = {
    "no processors": [],
    "ResizeToFit": [ResizeToFit(20, 20)],
    "ResizeToFill": [ResizeToFill(20, 10)],
}

output_formats = pytest.mark.parametrize("fmt", ["JPEG", "WEBP", "PNG"])
processor_chains = pytest.mark.parametrize(
    "processors", list(PROCESSOR_CHAINS.values()), ids=list(PROCESSOR_CHAINS)
)


def output_of(fmt: str, processors: list, data: bytes) -> Image.Image:
    class Output(ImageSpec):
        format = fmt

    Output.processors = processors
    output = Output(source=ContentFile(data, name="photo.jpg")).generate()
    return Image.open(io.BytesIO(output.read()))


@output_formats
@processor_chains
def test_an_output_has_no_gps_location(fmt, processors):
    image = output_of(fmt, processors, photo_with_location_and_profile(fmt))

    assert image.getexif().get_ifd(GPS_IFD) == {}


@output_formats
@processor_chains
def test_an_output_has_no_exif_at_all(fmt, processors):
    image = output_of(fmt, processors, photo_with_location_and_profile(fmt))

    assert "exif" not in image.info
    assert dict(image.getexif()) == {}


@output_formats
@processor_chains
def test_an_output_keeps_the_sources_icc_profile(fmt, processors):
    image = output_of(fmt, processors, photo_with_location_and_profile(fmt))

    assert image.info.get("icc_profile") == srgb_profile()


@output_formats
@processor_chains
def test_a_cmyk_sources_profile_is_not_attached_to_an_rgb_output(fmt, processors):
    # Resizing keeps an image CMYK: it becomes RGB only when it is saved.
    data = encode(Image.new("CMYK", (64, 48), (0, 255, 255, 0)), "JPEG", icc_profile=cmyk_profile())

    image = output_of(fmt, processors, data)

    assert image.mode in ("RGB", "RGBA")
    assert "icc_profile" not in image.info


@output_formats
@processor_chains
def test_a_greyscale_sources_profile_is_not_attached_to_an_rgb_output(fmt, processors):
    data = encode(Image.new("L", (64, 48), 128), "JPEG", icc_profile=profile_declaring(b"GRAY"))

    image = output_of(fmt, processors, data)

    assert image.mode in ("RGB", "RGBA")
    assert "icc_profile" not in image.info
