"""Specs that ``tests/reliability/rss.py`` runs in a fresh process.

They live in a module of their own, which imports nothing big: importing a
test module would build its test images in the child, before the
measurement starts.
"""

from __future__ import annotations

from imagekit import ImageSpec
from imagekit.processors import ResizeToFill, ResizeToFit


class Icon(ImageSpec):
    """A small output from a source capped at one megapixel."""

    processors = [ResizeToFit(64, 64)]
    format = "PNG"
    max_image_pixels = 1024 * 1024


class Poster(ImageSpec):
    """What ``{% thumbnail '5000x5000' photo upscale=True %}`` asks for."""

    processors = [ResizeToFill(5000, 5000)]
    format = "JPEG"


class AnimatedCopy(ImageSpec):
    """Every frame of an animated GIF, made into a GIF of the same size."""

    processors = [ResizeToFit(256, 256)]
    format = "GIF"


class AnimatedIcon(Icon):
    """Every frame of an animated source capped at one megapixel, as a GIF."""

    format = "GIF"
