"""The descriptor behind :class:`~imagekit.models.ImageSpecField`."""

from __future__ import annotations

from typing import TYPE_CHECKING, overload

from django.db.models import Model

from ...cachefiles import ImageCacheFile

if TYPE_CHECKING:
    from . import ImageSpecField

__all__ = ["ImageSpecFileDescriptor"]


class ImageSpecFileDescriptor:
    """Give each model instance an :class:`ImageCacheFile` for the field.

    Reading ``photo.thumbnail`` builds the spec for the current value of the
    source field and wraps it in a cache file; this does no I/O (the file is
    generated later, when its strategy says so). The spec is built afresh on
    each access because specs may depend on other attributes of the instance,
    which can change between two reads. Reading the attribute on the class
    returns the field itself.
    """

    def __init__(self, field: ImageSpecField, attname: str, source_field_name: str):
        self.field = field
        self.attname = attname
        self.source_field_name = source_field_name

    @overload
    def __get__(self, instance: None, owner: type[Model] | None = None) -> ImageSpecField: ...
    @overload
    def __get__(self, instance: Model, owner: type[Model] | None = None) -> ImageCacheFile: ...

    def __get__(
        self, instance: Model | None, owner: type[Model] | None = None
    ) -> ImageCacheFile | ImageSpecField:
        if instance is None:
            return self.field
        source = getattr(instance, self.source_field_name)
        file = ImageCacheFile(self.field.get_spec(source=source))
        instance.__dict__[self.attname] = file
        return file

    def __set__(self, instance: Model, value: object) -> None:
        instance.__dict__[self.attname] = value
