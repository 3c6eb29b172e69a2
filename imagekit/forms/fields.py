"""The form counterpart of the ``ProcessedImageField`` model field."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from ..exceptions import SourceImageError
from ..specs import SpecHost
from ..utils import generate

__all__ = ["ProcessedImageField"]


class ProcessedImageField(forms.ImageField, SpecHost):
    """An ``ImageField`` whose cleaned value is the processed image.

    Form fields never learn their name, so a ``spec_id`` must be given.
    Compatibility: the cleaned file keeps the uploaded file's name and
    extension, even when the spec changes the format (the model field
    changes the extension).
    """

    def __init__(
        self,
        processors: Any = None,
        format: str | None = None,
        options: dict[str, Any] | None = None,
        autoconvert: bool = True,
        spec_id: str | None = None,
        spec: Any = None,
        *args: Any,
        **kwargs: Any,
    ):
        if spec_id is None:
            raise TypeError("You must provide a spec_id")
        SpecHost.__init__(
            self,
            processors=processors,
            format=format,
            options=options,
            autoconvert=autoconvert,
            spec=spec,
            spec_id=spec_id,
        )
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        data = super().clean(data, initial)
        if data and data != initial:
            try:
                processed = generate(self.get_spec(source=data))
            except SourceImageError as exc:
                # Django's check only reads the header; a truncated or
                # oversized image fails here, before anything is stored.
                raise ValidationError(
                    self.error_messages["invalid_image"], code="invalid_image"
                ) from exc
            processed.name = data.name
            return processed
        return data
