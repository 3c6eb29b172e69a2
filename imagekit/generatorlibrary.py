"""Generators that ship with imagekit: ``imagekit:thumbnail``."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from .processors import Thumbnail as ThumbnailProcessor
from .registry import register
from .specs import ImageSpec

__all__ = ["Thumbnail"]

#: Compatibility: as in ImageKit, read once when this module is imported.
DEFAULT_THUMBNAIL_FORMAT = getattr(settings, "IMAGEKIT_DEFAULT_THUMBNAIL_FORMAT", None)


class Thumbnail(ImageSpec):
    """Resize (and crop, if both sides are given) a source to a thumbnail.

    The ``{% thumbnail %}`` template tag uses this spec.
    """

    def __init__(
        self,
        width: int | None = None,
        height: int | None = None,
        anchor: Any = None,
        crop: bool | None = None,
        upscale: bool | None = None,
        format: str | None = DEFAULT_THUMBNAIL_FORMAT,
        **kwargs: Any,
    ):
        self.processors = [
            ThumbnailProcessor(width, height, anchor=anchor, crop=crop, upscale=upscale)
        ]
        self.format = format
        super().__init__(**kwargs)


def register_builtin_generators() -> None:
    """Register ``imagekit:thumbnail`` (idempotent)."""
    register.generator("imagekit:thumbnail", Thumbnail)


register_builtin_generators()
