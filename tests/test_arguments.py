"""Mistakes in what specs and tags are given are errors that name the value and its origin."""

from __future__ import annotations

import re
import warnings

import pytest
from django.core.files.base import ContentFile
from django.template import Context, Template, TemplateSyntaxError

from imagekit import ImageSpec
from imagekit.arguments import UnknownOptionWarning, check_anchor, check_format, check_options
from imagekit.exceptions import UnknownFormat
from imagekit.generatorlibrary import Thumbnail
from imagekit.processors import ResizeToFill
from imagekit.registry import generator_registry


def compile_tag(tag: str) -> Template:
    return Template("{% load imagekit %}" + tag)


# --- formats ------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", [None, "JPEG", "jpeg", "PNG", "WEBP", "GIF"])
def test_formats_pillow_writes_pass(fmt):
    check_format(fmt, "format")


def test_jpg_is_refused_with_a_suggestion():
    with pytest.raises(UnknownFormat, match=r"^format: 'JPG' is not .*Did you mean 'JPEG'\?"):
        check_format("JPG", "format")


def test_a_literal_format_in_the_thumbnail_tag_is_checked_when_the_template_compiles():
    with pytest.raises(TemplateSyntaxError, match=r"^'thumbnail' format=: 'JPG'"):
        compile_tag("{% thumbnail '100x50' src format='JPG' %}")


def test_a_literal_format_in_generateimage_is_checked_when_the_template_compiles():
    with pytest.raises(TemplateSyntaxError, match=r"^'generateimage' format=: 'PNGG'"):
        compile_tag("{% generateimage 'imagekit:thumbnail' source=src format='PNGG' %}")


def test_a_spec_with_an_unknown_format_fails_before_decoding_naming_the_spec(make_image):
    class Misspelt(ImageSpec):
        processors = [ResizeToFill(4, 4)]
        format = "JPG"

    source = ContentFile(b"not even an image", name="a.jpg")

    with pytest.raises(UnknownFormat, match=r"the format of the spec '.*Misspelt': 'JPG'"):
        Misspelt(source=source).generate()


# --- anchors ------------------------------------------------------------------------


@pytest.mark.parametrize("anchor", [None, "auto", "c", "tl", "br", (0.5, 0.25), [0, 1]])
def test_anchors_thumbnail_understands_pass(anchor):
    check_anchor(anchor, "anchor")


@pytest.mark.parametrize("anchor", ["middle", "center", (0.5,), (2, 0), ("a", "b"), 5])
def test_other_anchors_are_a_value_error_naming_them(anchor):
    with pytest.raises(ValueError, match="^" + re.escape(f"anchor: {anchor!r} is not an anchor")):
        check_anchor(anchor, "anchor")


def test_a_literal_anchor_in_the_thumbnail_tag_is_checked_when_the_template_compiles():
    with pytest.raises(TemplateSyntaxError, match=r"^'thumbnail' anchor=: 'middle' is not"):
        compile_tag("{% thumbnail '100x50' src anchor='middle' %}")


def test_an_anchor_from_a_variable_is_a_value_error_when_the_tag_renders():
    template = compile_tag("{% thumbnail '100x50' src anchor=a %}")
    source = ContentFile(b"", name="a.jpg")

    with pytest.raises(ValueError, match=r"^anchor: 'middle' is not an anchor"):
        template.render(Context({"src": source, "a": "middle"}))


# --- arguments ----------------------------------------------------------------------


def test_an_unknown_thumbnail_argument_is_a_syntax_error_listing_the_known_ones():
    with pytest.raises(TemplateSyntaxError, match=r"unknown argument colour=; it takes anchor="):
        compile_tag("{% thumbnail '100x50' src colour='red' %}")


def test_an_argument_a_generator_does_not_take_names_the_generator():
    with pytest.raises(TypeError, match=r"^The generator 'imagekit:thumbnail' does not take"):
        generator_registry.get("imagekit:thumbnail", width=10, bogus=1)


def test_a_type_error_raised_inside_a_generator_is_not_renamed(registrations):
    def broken(**kwargs):
        raise TypeError("a bug inside the generator")

    registrations.generator("tests:broken-generator", broken)

    with pytest.raises(TypeError, match=r"^a bug inside the generator$"):
        generator_registry.get("tests:broken-generator", width=1)


def test_thumbnail_still_takes_its_source_by_keyword():
    source = ContentFile(b"", name="a.jpg")

    assert Thumbnail(width=10, source=source).source is source


# --- options ------------------------------------------------------------------------


def test_an_option_pillow_ignores_is_warned_about_with_a_suggestion():
    with pytest.warns(
        UnknownOptionWarning, match=r"'qualty' when it writes JPEG \(did you mean 'quality'\?\)"
    ):
        check_options({"qualty": 80}, "JPEG", "options")


def test_options_pillow_reads_are_not_warned_about():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_options({"quality": 80, "optimize": True, "progressive": True}, "jpeg", "options")
        check_options({"anything": 1}, "TIFF", "options")  # formats not listed are not checked
        check_options({"anything": 1}, None, "options")


def test_a_spec_with_an_option_pillow_ignores_warns_when_it_generates(make_image):
    class Typo(ImageSpec):
        processors = [ResizeToFill(4, 4)]
        format = "JPEG"
        options = {"qualty": 60}

    source = ContentFile(make_image(), name="a.jpg")

    with pytest.warns(UnknownOptionWarning, match=r"the options of the spec '.*Typo'"):
        Typo(source=source).generate()
