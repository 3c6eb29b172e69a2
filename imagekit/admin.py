"""Admin helpers: thumbnails in change lists."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _

__all__ = ["AdminThumbnail"]


class AdminThumbnail:
    """A ``list_display`` column showing an image thumbnail.

    *image_field* is the name of an attribute of the object (for example an
    ``ImageSpecField``) or a callable taking the object. The HTML comes from
    *template* (default ``imagekit/admin/thumbnail.html``), rendered with
    ``model``, ``thumbnail`` and ``original_image``.
    """

    short_description = _("Thumbnail")
    allow_tags = True

    def __init__(self, image_field: str | Callable[[Any], Any], template: str | None = None):
        self.image_field = image_field
        self.template = template

    def __call__(self, obj: Any) -> str:
        if callable(self.image_field):
            thumbnail = self.image_field(obj)
        else:
            name = self.image_field
            if not (hasattr(type(obj), name) or name in getattr(obj, "__dict__", {})):
                raise ImproperlyConfigured(
                    f"The property {name} is not defined on {type(obj).__name__}."
                )
            thumbnail = getattr(obj, name)
        original_image = getattr(thumbnail, "source", None) or thumbnail
        return render_to_string(
            self.template or "imagekit/admin/thumbnail.html",
            {"model": obj, "thumbnail": thumbnail, "original_image": original_image},
        )
