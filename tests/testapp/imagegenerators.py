"""Specs found by autodiscovery (imported on the first registry lookup)."""

from imagekit import ImageSpec, register
from imagekit.processors import ResizeToFit


@register.generator("tests:autodiscovered")
class AutodiscoveredSpec(ImageSpec):
    processors = [ResizeToFit(16, 16)]
    format = "PNG"
