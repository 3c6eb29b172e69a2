"""Model fields: ``ImageSpecField`` and ``ProcessedImageField``."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, overload

from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.db.models.signals import class_prepared

from ...registry import register
from ...specs import SpecHost
from ...specs.sourcegroups import ImageFieldSourceGroup
from .files import ProcessedImageFieldFile
from .utils import ImageSpecFileDescriptor

if TYPE_CHECKING:
    from django import forms

    from ..._typing import CacheFileBackend, GeneratorFactory, Processors, StorageOrFactory
    from ...cachefiles import ImageCacheFile

__all__ = ["ImageSpecField", "ProcessedImageField", "SpecHostField"]


class SpecHostField(SpecHost):
    """A :class:`SpecHost` that names its spec after the model and attribute."""

    def _set_spec_id(self, cls: type[models.Model], name: str) -> None:
        # The default id is "<app label>:<model>:<attribute>", lowercased. A spec
        # registered under that id before the model is defined takes precedence
        # (see SpecHost.set_spec_id), so projects can override an app's specs.
        spec_id = getattr(self, "spec_id", None) or (
            f"{cls._meta.app_label}:{cls._meta.object_name}:{name}".lower()
        )
        self.set_spec_id(spec_id)


class ImageSpecField(SpecHostField):
    """A model attribute holding an image generated from another field.

    Not a database field: it adds no column and no migration. Give either spec
    attributes (``processors``, ``format``, ``options``...) or the id of a
    registered spec (``id=`` or its synonym ``spec_id=``). Without ``source``, the
    model's only ``ImageField`` is used. ``delete_with_source=True`` deletes the
    cache files made from a file once its instance is deleted or the file is
    cleared or replaced (after the transaction commits); ``False`` never does;
    None (the default) follows ``IMAGEKIT_DELETE_WITH_SOURCE``.
    """

    def __init__(
        self,
        processors: Processors | None = None,
        format: str | None = None,
        options: dict[str, Any] | None = None,
        source: str | None = None,
        cachefile_storage: StorageOrFactory | None = None,
        autoconvert: bool | None = None,
        cachefile_backend: CacheFileBackend | None = None,
        cachefile_strategy: object = None,
        spec: GeneratorFactory | None = None,
        id: str | None = None,
        spec_id: str | None = None,
        widths: str | int | Iterable[int] | None = None,
        formats: str | Iterable[str] | None = None,
        placeholder: str | None = None,
        delete_with_source: bool | None = None,
    ):
        if id and spec_id and id != spec_id:
            raise TypeError(
                f"ImageSpecField got both id={id!r} and spec_id={spec_id!r}; give only one."
            )
        SpecHost.__init__(
            self,
            processors=processors,
            format=format,
            options=options,
            cachefile_storage=cachefile_storage,
            autoconvert=autoconvert,
            cachefile_backend=cachefile_backend,
            cachefile_strategy=cachefile_strategy,
            spec=spec,
            spec_id=id or spec_id,
            **_picture_attrs(widths, formats, placeholder, spec or id or spec_id),
        )
        self.source_field_name = source
        self.delete_with_source = delete_with_source

    if TYPE_CHECKING:
        # For type checkers only: on a model, contribute_to_class() replaces the
        # field with an ImageSpecFileDescriptor, so ``instance.<name>`` is an
        # ImageCacheFile (and the class attribute this field).
        @overload
        def __get__(
            self, instance: None, owner: type[models.Model] | None = None
        ) -> ImageSpecField: ...
        @overload
        def __get__(
            self, instance: models.Model, owner: type[models.Model] | None = None
        ) -> ImageCacheFile: ...
        def __get__(
            self, instance: models.Model | None, owner: type[models.Model] | None = None
        ) -> ImageCacheFile | ImageSpecField: ...

    def contribute_to_class(self, cls: type[models.Model], name: str) -> None:
        def connect_source(source_field_name: str) -> None:
            setattr(cls, name, ImageSpecFileDescriptor(self, name, source_field_name))
            self._set_spec_id(cls, name)
            group = ImageFieldSourceGroup(cls, source_field_name)
            group.delete_with_source = self.delete_with_source
            register.source_group(self.spec_id, group)

        if self.source_field_name:
            connect_source(self.source_field_name)
            return

        # No source given: use the model's only ImageField, which can only be
        # known once every field has been added to the class.
        def on_class_prepared(sender: type[models.Model], **kwargs: Any) -> None:
            image_fields = [f.attname for f in cls._meta.fields if isinstance(f, models.ImageField)]
            if not image_fields:
                raise ImproperlyConfigured(
                    f"{cls.__name__} does not define any ImageFields, so your {name} "
                    "ImageSpecField has no image to act on."
                )
            if len(image_fields) > 1:
                raise ImproperlyConfigured(
                    f"{cls.__name__} defines multiple ImageFields, but you have not "
                    f"specified a source for your {name} ImageSpecField."
                )
            connect_source(image_fields[0])

        class_prepared.connect(on_class_prepared, sender=cls, weak=False)


def _picture_attrs(
    widths: object, formats: object, placeholder: str | None, spec: object
) -> dict[str, Any]:
    """The spec attributes that declare a field's picture variants (issue #12).

    ``widths``, ``formats`` and ``placeholder`` become the spec's
    ``picture_widths``, ``picture_formats`` and ``picture_placeholder``; a spec
    given by class or id declares them itself.
    """
    if widths is None and formats is None and placeholder is None:
        return {}
    if spec:
        raise TypeError(
            "ImageSpecField: declare picture variants (widths=, formats=, placeholder=) on "
            "the spec class (picture_widths, picture_formats, picture_placeholder) when "
            "the field is given a spec or a spec id."
        )
    from ...pictures import check_placeholder, parse_formats, parse_widths

    attrs: dict[str, Any] = {"picture_widths": tuple(parse_widths(widths or (), "widths"))}
    if formats is not None:
        attrs["picture_formats"] = tuple(f.lower() for f in parse_formats(formats, "formats"))
    if placeholder is not None:
        attrs["picture_placeholder"] = check_placeholder(placeholder) or "none"
    return attrs


class ProcessedImageField(models.ImageField, SpecHostField):
    """An ``ImageField`` that processes the uploaded image before storing it."""

    attr_class = ProcessedImageFieldFile

    def __init__(
        self,
        processors: Processors | None = None,
        format: str | None = None,
        options: dict[str, Any] | None = None,
        verbose_name: str | None = None,
        name: str | None = None,
        width_field: str | None = None,
        height_field: str | None = None,
        autoconvert: bool | None = None,
        spec: GeneratorFactory | None = None,
        spec_id: str | None = None,
        **kwargs: Any,
    ):
        if spec is None and autoconvert is None:
            autoconvert = True
        SpecHost.__init__(
            self,
            processors=processors,
            format=format,
            options=options,
            autoconvert=autoconvert,
            spec=spec,
            spec_id=spec_id,
        )
        models.ImageField.__init__(self, verbose_name, name, width_field, height_field, **kwargs)

    # Django's keyword arguments (private_only) are passed through as they come.
    def contribute_to_class(  # type: ignore[override]
        self, cls: type[models.Model], name: str, **kwargs: Any
    ) -> None:
        self._set_spec_id(cls, name)
        super().contribute_to_class(cls, name, **kwargs)

    def formfield(self, **kwargs: Any) -> forms.Field | None:
        """Return a form field that refuses uploads this field's spec cannot process.

        A ``form_class`` given by the caller (a ModelForm's ``formfield_callback``,
        the admin) is used as given.
        """
        if "form_class" in kwargs:
            return super().formfield(**kwargs)
        from ...forms.fields import ProcessableImageField

        return super().formfield(form_class=ProcessableImageField, spec_host=self, **kwargs)
