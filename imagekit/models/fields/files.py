"""The file class of :class:`~imagekit.models.ProcessedImageField`."""

from __future__ import annotations

import os
from typing import Any

from django.db.models.fields.files import ImageFieldFile

from ..._typing import alters_data
from ...utils import generate, suggest_extension

__all__ = ["ProcessedImageFieldFile"]


class ProcessedImageFieldFile(ImageFieldFile):
    """An ``ImageFieldFile`` whose ``save()`` stores the processed image.

    The extension is changed to suit the spec's format (``photo.png`` saved
    as JPEG becomes ``photo.jpg``).
    """

    @alters_data
    def save(self, name: str, content: Any, save: bool = True) -> None:
        spec = self.field.get_spec(source=content)
        new_name = os.path.splitext(name)[0] + suggest_extension(name, spec.format)
        super().save(new_name, generate(spec), save)
