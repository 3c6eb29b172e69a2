"""The form counterpart of the ``ProcessedImageField`` model field."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.core.exceptions import ValidationError

from .. import heif
from ..exceptions import SourceImageError
from ..specs import SpecHost
from ..utils import generate

if TYPE_CHECKING:
    from .._typing import GeneratorFactory, Processors

__all__ = ["ProcessableImageField", "ProcessedImageField"]


class ProcessedImageField(forms.ImageField, SpecHost):
    """An ``ImageField`` whose cleaned value is the processed image.

    Form fields never learn their name, so a ``spec_id`` must be given.
    Compatibility: the cleaned file keeps the uploaded file's name and
    extension, even when the spec changes the format (the model field
    changes the extension).
    """

    def __init__(
        self,
        processors: Processors | None = None,
        format: str | None = None,
        options: dict[str, Any] | None = None,
        autoconvert: bool = True,
        spec_id: str | None = None,
        spec: GeneratorFactory | None = None,
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

    def to_python(self, data: Any) -> Any:
        if data:
            heif.prepare(data)  # a HEIC upload: Django's check needs the plugin too
        return super().to_python(data)

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


class ProcessableImageField(forms.ImageField):
    """An ``ImageField`` that accepts only images its spec can process.

    The default form field of the model :class:`~imagekit.models.ProcessedImageField`.
    Django's ``ImageField`` only reads an upload's header (``verify()``), so a
    truncated JPEG passed it and the model's ``save()`` then failed, a server
    error. This field runs the spec on the upload while cleaning it: an
    upload the spec cannot process (corrupt, truncated, over the pixel cap)
    is the field's ``invalid_image`` error, and nothing is saved. The cleaned
    value is the upload itself, processed again when the model saves it; that
    second run is the price of keeping the model field's behaviour.
    """

    def __init__(self, *args: Any, spec_host: SpecHost, **kwargs: Any):
        self.spec_host = spec_host
        super().__init__(*args, **kwargs)

    def to_python(self, data: Any) -> Any:
        if data:
            heif.prepare(data)  # a HEIC upload: Django's check needs the plugin too
        upload = super().to_python(data)
        if upload is None:
            return None
        try:
            generate(self.spec_host.get_spec(source=upload))
        except SourceImageError as exc:
            raise ValidationError(
                self.error_messages["invalid_image"], code="invalid_image"
            ) from exc
        if hasattr(upload, "seek") and callable(upload.seek):
            upload.seek(0)
        return upload
