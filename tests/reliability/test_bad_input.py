"""Bad sources fail with one clear exception, leave nothing behind and block nothing."""

from __future__ import annotations

import logging
import tracemalloc
from pathlib import Path

import pytest
from django.template import Context, Template
from PIL import ImageFile

from imagekit import ImageSpec
from imagekit.cachefiles import ImageCacheFile
from imagekit.cachefiles.backends import CacheFileState
from imagekit.exceptions import MissingSourceFile, SourceImageError
from imagekit.processors import ResizeToFill
from tests.reliability.helpers import files_under
from tests.reliability.images import first_half, noisy, png_declaring, solid


class BadInputThumbnail(ImageSpec):
    processors = [ResizeToFill(20, 10)]
    format = "JPEG"


class CappedThumbnail(BadInputThumbnail):
    max_image_pixels = 1000


BAD_SOURCES = {
    "corrupt bytes": ("photos/corrupt.jpg", b"\xff\xd8\xff\xe0 not really a JPEG " * 20),
    "a truncated JPEG": ("photos/cut.jpg", first_half(noisy("JPEG"))),
    "a truncated PNG": ("photos/cut.png", first_half(noisy("PNG"))),
    "a zero-byte file": ("photos/empty.jpg", b""),
    "a text file named .jpg": ("photos/notes.jpg", b"Shopping list: eggs, milk.\n"),
    "a 60000x60000 header": ("photos/bomb.png", png_declaring(60000, 60000)),
}

bad_sources = pytest.mark.parametrize(
    ("name", "data"), list(BAD_SOURCES.values()), ids=list(BAD_SOURCES)
)


def raised_inside_pillow(exc: BaseException | None) -> bool:
    """Return whether *exc* was raised by code in the PIL package."""
    if exc is None:
        return False
    traceback = exc.__traceback__
    while traceback.tb_next is not None:
        traceback = traceback.tb_next
    return Path(traceback.tb_frame.f_code.co_filename).parent.name == "PIL"


def generate_error(spec) -> SourceImageError:
    with pytest.raises(SourceImageError) as info:
        spec.generate()
    return info.value


@bad_sources
def test_an_unreadable_source_raises_an_error_naming_the_source_and_the_spec(
    stored_source, name, data
):
    error = generate_error(BadInputThumbnail(source=stored_source(name, data)))

    assert repr(name) in str(error)
    assert "BadInputThumbnail" in str(error)


@bad_sources
def test_an_unreadable_source_error_is_chained_to_pillows_error(stored_source, name, data):
    error = generate_error(BadInputThumbnail(source=stored_source(name, data)))

    assert raised_inside_pillow(error.__cause__)


@bad_sources
def test_an_unreadable_source_leaves_nothing_in_the_cache_folder(
    stored_source, cache_root, name, data
):
    file = ImageCacheFile(BadInputThumbnail(source=stored_source(name, data)))

    with pytest.raises(SourceImageError):
        file.generate()

    assert not file.storage.exists(file.name)
    assert files_under(cache_root) == []


@bad_sources
def test_an_unreadable_source_leaves_no_state_that_claims_or_blocks_the_file(
    stored_source, backend, name, data
):
    file = ImageCacheFile(BadInputThumbnail(source=stored_source(name, data)))

    with pytest.raises(SourceImageError):
        file.generate()

    assert backend.get_state(file, check_if_unknown=False) not in (
        CacheFileState.EXISTS,
        CacheFileState.GENERATING,
    )


def test_a_60000x60000_header_is_refused_with_little_memory(stored_source):
    spec = BadInputThumbnail(source=stored_source("photos/bomb.png", png_declaring(60000, 60000)))

    tracemalloc.start()
    try:
        with pytest.raises(SourceImageError):
            spec.generate()
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert peak < 20 * 1024 * 1024


def test_the_pixel_cap_is_checked_before_any_pixel_is_decoded(stored_source, monkeypatch):
    # 9000x9000 is under Pillow's own limit: only imagekit's cap stops it,
    # and it must do so from the header, before Pillow allocates 300 MB.
    loads = []
    real_load = ImageFile.ImageFile.load

    def recording_load(image):
        loads.append(image.size)
        return real_load(image)

    monkeypatch.setattr(ImageFile.ImageFile, "load", recording_load)
    spec = CappedThumbnail(source=stored_source("photos/big.png", png_declaring(9000, 9000)))

    with pytest.raises(SourceImageError, match="9000x9000"):
        spec.generate()

    assert loads == []


def test_the_pixel_cap_setting_refuses_a_larger_image(settings, stored_source):
    settings.IMAGEKIT_MAX_IMAGE_PIXELS = 1000
    spec = BadInputThumbnail(source=stored_source("photos/ok.jpg", solid("JPEG", size=(64, 48))))

    with pytest.raises(SourceImageError, match=r"64x48 pixels, more than the 1000 allowed"):
        spec.generate()


def test_the_pixel_cap_setting_allows_an_image_within_it(settings, stored_source):
    settings.IMAGEKIT_MAX_IMAGE_PIXELS = 64 * 48
    spec = BadInputThumbnail(source=stored_source("photos/ok.jpg", solid("JPEG", size=(64, 48))))

    assert spec.generate().getvalue()


def test_a_specs_max_image_pixels_refuses_what_the_setting_allows(settings, stored_source):
    settings.IMAGEKIT_MAX_IMAGE_PIXELS = None  # Pillow's limit
    spec = CappedThumbnail(source=stored_source("photos/ok.jpg", solid("JPEG", size=(64, 48))))

    with pytest.raises(SourceImageError, match="more than the 1000 allowed"):
        spec.generate()


def test_a_specs_max_image_pixels_allows_what_the_setting_refuses(settings, stored_source):
    class GenerousThumbnail(BadInputThumbnail):
        max_image_pixels = 10_000

    settings.IMAGEKIT_MAX_IMAGE_PIXELS = 1000
    spec = GenerousThumbnail(source=stored_source("photos/ok.jpg", solid("JPEG", size=(64, 48))))

    assert spec.generate().getvalue()


def test_a_replaced_bad_source_is_generated_on_the_next_request(
    registered, stored_source, media_storage
):
    registered(BadInputThumbnail)
    bad = stored_source("photos/dog.jpg", first_half(noisy("JPEG")))
    with pytest.raises(SourceImageError):
        _ = ImageCacheFile(BadInputThumbnail(source=bad)).url

    good = stored_source("photos/dog.jpg", solid("JPEG"))
    file = ImageCacheFile(BadInputThumbnail(source=good))
    _ = file.url

    assert media_storage.exists(file.name)


def test_a_restored_missing_source_is_generated_on_the_next_request(
    registered, stored_source, media_storage
):
    registered(BadInputThumbnail)
    source = stored_source("photos/dog.jpg", solid("JPEG"))
    media_storage.delete("photos/dog.jpg")
    with pytest.raises(MissingSourceFile):
        _ = ImageCacheFile(BadInputThumbnail(source=source)).url

    stored_source("photos/dog.jpg", solid("JPEG"))
    file = ImageCacheFile(BadInputThumbnail(source=source))
    _ = file.url

    assert media_storage.exists(file.name)


# --- a page with one bad row -------------------------------------------------

PAGE = Template(
    "{% load imagekit %}{% for photo in photos %}{% thumbnail '20x10' photo %}{% endfor %}"
)


@pytest.fixture
def photos_with_one_bad(settings, stored_source):
    settings.IMAGEKIT_TEMPLATE_MISSING_SOURCE = "empty"
    return [
        stored_source("photos/one.jpg", solid("JPEG")),
        stored_source("photos/two.jpg", first_half(noisy("JPEG"))),
        stored_source("photos/three.jpg", solid("JPEG")),
    ]


def test_a_page_with_one_unreadable_source_renders_the_other_images(photos_with_one_bad):
    html = PAGE.render(Context({"photos": photos_with_one_bad}))

    assert html.count("<img ") == 2


def test_a_page_with_one_unreadable_source_logs_a_warning_naming_it(photos_with_one_bad, caplog):
    with caplog.at_level(logging.WARNING, logger="imagekit"):
        PAGE.render(Context({"photos": photos_with_one_bad}))

    [record] = [r for r in caplog.records if r.name == "imagekit"]
    assert record.levelno == logging.WARNING
    assert "photos/two.jpg" in record.getMessage()


def test_the_url_of_a_file_with_an_unreadable_source_renders_as_empty_text(
    registered, stored_source
):
    registered(BadInputThumbnail)
    file = ImageCacheFile(BadInputThumbnail(source=stored_source("photos/bad.jpg", b"junk")))

    assert Template("[{{ file.url }}]").render(Context({"file": file})) == "[]"
