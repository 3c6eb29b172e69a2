"""The output cap: processors, the thumbnail tag and srcset variants cannot
grow an image past ``IMAGEKIT_MAX_OUTPUT_PIXELS`` (or a spec's
``max_output_pixels``). Known processors are refused from the source's header,
before any pixel is decoded; others on their result."""

from __future__ import annotations

import logging

import pytest
from django.core.files.base import ContentFile
from django.template import Context, Template
from PIL import Image, ImageFile

from imagekit import ImageSpec
from imagekit.exceptions import OutputTooLarge, SourceImageError
from imagekit.processors import (
    AddBorder,
    Adjust,
    Resize,
    ResizeCanvas,
    ResizeToCover,
    ResizeToFill,
    ResizeToFit,
    SmartResize,
    Thumbnail,
    Transpose,
)
from tests.reliability.images import noisy, oriented_jpeg, solid
from tests.reliability.memory_specs import Poster
from tests.reliability.rss import generate_in_fresh_process
from tests.testapp.models import Photo

DEFAULT_CAP = 4096 * 4096


class Stretch:
    """A processor imagekit does not know, which makes a big image."""

    def process(self, img):
        return img.resize((5000, 5000))


class CustomPoster(ImageSpec):
    processors = [Stretch()]
    format = "PNG"


def source(data=None, name="photos/small.jpg"):
    return ContentFile(data or solid("JPEG", size=(64, 48)), name=name)


def spec_with(*processors, **attrs):
    return type("CappedSpec", (ImageSpec,), {"processors": list(processors), **attrs})


def test_the_default_cap_is_4096_by_4096(settings):
    assert settings.IMAGEKIT_MAX_OUTPUT_PIXELS == DEFAULT_CAP


def test_a_5000x5000_poster_of_a_small_photo_is_refused_naming_the_size_and_the_cap():
    with pytest.raises(OutputTooLarge) as caught:
        Poster(source=source()).generate()

    message = str(caught.value)
    assert "ResizeToFill(5000, 5000) would make an image of 6667x5000 pixels" in message
    assert f"more than the {DEFAULT_CAP} that IMAGEKIT_MAX_OUTPUT_PIXELS allows" in message
    assert "photos/small.jpg" in message
    assert "Poster" in message


def test_an_output_too_large_is_a_source_image_error():
    # Templates and forms already treat it as "this source cannot be made into this".
    assert issubclass(OutputTooLarge, SourceImageError)


@pytest.mark.parametrize(
    "processor",
    [
        pytest.param(Resize(5000, 5000), id="Resize"),
        pytest.param(ResizeToCover(5000, 5000), id="ResizeToCover"),
        pytest.param(ResizeToFill(5000, 5000), id="ResizeToFill"),
        pytest.param(SmartResize(5000, 5000), id="SmartResize"),
        pytest.param(ResizeToFit(50000, 50000), id="ResizeToFit"),
        pytest.param(
            ResizeToFit(5000, 5000, upscale=False, mat_color="white"), id="ResizeToFit matted"
        ),
        pytest.param(ResizeCanvas(5000, 5000), id="ResizeCanvas"),
        pytest.param(Thumbnail(5000, 5000, upscale=True), id="Thumbnail cropped"),
        pytest.param(Thumbnail(50000, None, upscale=True), id="Thumbnail fitted"),
        pytest.param(AddBorder(2500), id="AddBorder"),
        # Only the intermediate image of this fill is too large: 50000x5000.
        pytest.param(ResizeToFill(100, 5000), id="ResizeToFill's cover step"),
    ],
)
def test_known_processors_are_refused_before_any_pixel_is_decoded(processor, monkeypatch):
    loads = []
    real_load = ImageFile.ImageFile.load
    monkeypatch.setattr(
        ImageFile.ImageFile, "load", lambda image: loads.append(image.size) or real_load(image)
    )
    spec = spec_with(processor, format="PNG")(source=source(solid("JPEG", size=(1000, 100))))

    with pytest.raises(OutputTooLarge):
        spec.generate()

    assert loads == []


def test_a_quarter_turn_is_taken_into_account(settings):
    # 100x1000 once turned upright: fitting it to 10000 wide makes 10000x100000.
    settings.IMAGEKIT_MAX_OUTPUT_PIXELS = 2_000_000
    spec = spec_with(Transpose(), ResizeToFit(width=2000), format="PNG")
    turned = source(oriented_jpeg(6, size=(1000, 100)))

    with pytest.raises(OutputTooLarge, match="2000x20000"):
        spec(source=turned).generate()


def test_an_unknown_processor_is_checked_on_its_result():
    with pytest.raises(OutputTooLarge, match="5000x5000"):
        CustomPoster(source=source()).generate()


def test_an_output_as_large_as_its_source_is_allowed_whatever_the_cap(settings):
    settings.IMAGEKIT_MAX_OUTPUT_PIXELS = 1000
    spec = spec_with(Adjust(contrast=1.2), ResizeToFit(64, 48), format="PNG")

    made = Image.open(spec(source=source()).generate())

    assert made.size == (64, 48)


def test_a_specs_max_output_pixels_refuses_what_the_setting_allows():
    spec = spec_with(ResizeToFill(200, 200), format="PNG", max_output_pixels=10_000)

    with pytest.raises(OutputTooLarge, match="more than the 10000 that its max_output_pixels"):
        spec(source=source()).generate()


def test_a_specs_max_output_pixels_allows_what_the_setting_refuses(settings):
    settings.IMAGEKIT_MAX_OUTPUT_PIXELS = 1000
    spec = spec_with(ResizeToFill(200, 200), format="PNG", max_output_pixels=60_000)

    assert Image.open(spec(source=source()).generate()).size == (200, 200)


def test_no_cap_when_the_setting_is_none(settings):
    settings.IMAGEKIT_MAX_OUTPUT_PIXELS = None
    spec = spec_with(ResizeToFill(300, 300), format="PNG", max_output_pixels=None)
    settings.IMAGEKIT_MAX_OUTPUT_PIXELS = None

    assert Image.open(spec(source=source()).generate()).size == (300, 300)


def test_a_refused_poster_costs_little_memory():
    outcome = generate_in_fresh_process(
        "tests.reliability.memory_specs.Poster", noisy(size=(640, 480)), "big.jpg"
    )

    assert outcome["error"] == "OutputTooLarge", outcome
    # 5000x5000 RGB is 75 MB; before the cap the process grew by more than that.
    assert outcome["grew_mb"] < 10, outcome


# --- the template tags -------------------------------------------------------


@pytest.fixture
def small_photo(db, media_storage, image_file):
    return Photo.objects.create(original_image=image_file("small.jpg", size=(64, 48)))


def render(source, **context):
    return Template("{% load imagekit %}" + source).render(Context(context))


def test_a_thumbnail_size_from_the_context_is_refused(settings, small_photo):
    settings.IMAGEKIT_TEMPLATE_MISSING_SOURCE = "raise"

    with pytest.raises(OutputTooLarge, match=r"Thumbnail\(5000, 5000\)"):
        render(
            "{% thumbnail size photo.original_image upscale=True %}",
            size="5000x5000",
            photo=small_photo,
        )


def test_a_refused_thumbnail_renders_nothing_in_production_and_logs_why(small_photo, caplog):
    with caplog.at_level(logging.WARNING, logger="imagekit"):
        html = render(
            "{% thumbnail size photo.original_image upscale=True %}",
            size="5000x5000",
            photo=small_photo,
        )

    assert html == ""
    assert "Thumbnail(5000, 5000)" in caplog.text


def test_a_srcset_variant_over_the_cap_is_refused(settings, small_photo):
    settings.IMAGEKIT_TEMPLATE_MISSING_SOURCE = "raise"

    with pytest.raises(OutputTooLarge, match=r"Thumbnail\(6000, 4000\)"):
        render(
            "{% thumbnail '600x400' photo.original_image upscale=True srcset='1 10' %}",
            photo=small_photo,
        )


def test_a_srcset_within_the_cap_still_renders(small_photo):
    html = render(
        "{% thumbnail '60x40' photo.original_image upscale=True srcset='2 3' %}",
        photo=small_photo,
    )

    assert "3.0x" in html
