"""A Django REST framework serializer field for cache files: url, width and height.

Install the ``drf`` extra (``pip install "imagekit[drf]"``), then::

    from imagekit.rest_framework import CacheFileField

    class PhotoSerializer(serializers.ModelSerializer):
        # An ImageSpecField of the model:
        thumbnail = CacheFileField()
        # A source plus a geometry, as {% thumbnail '320x240' photo.original_image %}:
        card = CacheFileField(source="original_image", geometry="320x240", anchor="c")
        # A registered generator, as {% generateimage 'myapp:hero' source=... %}:
        hero = CacheFileField(source="original_image", generator="myapp:hero")

        class Meta:
            model = Photo
            fields = ["id", "thumbnail", "card", "hero"]

Each gives ``{"url": ..., "width": ..., "height": ...}``, the URL absolute
when the serializer has the request in its context (as DRF's ``ImageField``
does), or ``null`` when there is no source. The field is read-only.

What it costs: exactly what ``{{ photo.thumbnail.url }}`` and ``.width``
cost in a template. On a warm list served inside a request, the sizes come
with the states (one cache round trip for the whole page once the process
has served it; see docs/topics/caching.rst), and the storage is asked for
URLs only.
"""

from __future__ import annotations

from typing import Any

from django import template as django_template

from .arguments import check_anchor, check_format
from .cachefiles import ImageCacheFile
from .conf import missing_source_policy
from .exceptions import MissingSource, SourceImageError
from .registry import generator_registry
from .templatetags.imagekit import parse_dimensions, thumbnail_file
from .utils import get_logger

try:
    from rest_framework import serializers
except ImportError as exc:  # pragma: no cover - depends on the installation
    raise ImportError(
        "imagekit.rest_framework needs Django REST framework: "
        'pip install "imagekit[drf]" (or djangorestframework).'
    ) from exc

__all__ = ["CacheFileField"]

logger = get_logger()


class CacheFileField(serializers.Field):
    """Serialize a cache file as ``{"url", "width", "height"}``; read-only.

    Without arguments the attribute must be a cache file (an
    ``ImageSpecField``'s value). With *geometry* (``"320x240"``, ``"320x"``,
    ``"x240"``) it is the source of a thumbnail made as ``{% thumbnail %}``
    makes it, with the same *anchor*, *crop*, *upscale* and *format*
    options; with *generator* (an id), of that generator's file, built
    with *generator_kwargs* as ``{% generateimage %}`` builds it (with
    *geometry* too, as ``{% thumbnail 'id' 'WxH' source %}``).
    """

    def __init__(
        self,
        geometry: str | None = None,
        *,
        generator: str | None = None,
        generator_kwargs: dict[str, Any] | None = None,
        anchor: Any = None,
        crop: Any = None,
        upscale: Any = None,
        format: str | None = None,  # the name of the {% thumbnail %} argument
        **kwargs: Any,
    ):
        kwargs["read_only"] = True
        super().__init__(**kwargs)
        self.dimensions = None
        if geometry is not None:
            try:
                self.dimensions = parse_dimensions(geometry)
            except django_template.TemplateSyntaxError as exc:
                raise ValueError(f"CacheFileField geometry=: {exc}") from exc
        options = {"anchor": anchor, "crop": crop, "upscale": upscale, "format": format}
        options = {name: value for name, value in options.items() if value is not None}
        if options and (geometry is None or generator is not None):
            raise TypeError(
                f"CacheFileField: {', '.join(name + '=' for name in options)} apply to a "
                "thumbnail of the built-in generator: give geometry= and no generator=."
            )
        check_anchor(anchor, "CacheFileField anchor=")
        check_format(format, "CacheFileField format=")
        self.generator = generator
        self.generator_kwargs = {**(generator_kwargs or {}), **options}

    def get_file(self, value: Any) -> ImageCacheFile | None:
        """Return the cache file this field serializes for the attribute *value*, or None.

        None when there is no source (an empty file field). Does no I/O.
        """
        if self.dimensions is None and self.generator is None:
            if not isinstance(value, ImageCacheFile):
                raise TypeError(
                    f"CacheFileField {self.field_name!r}: {self.source!r} gives "
                    f"{value!r}, not a cache file (an ImageSpecField's value); for an "
                    "image field, give geometry= or generator=."
                )
            return value if value.name else None
        if not value:
            return None
        if self.dimensions is not None:
            return thumbnail_file(self.generator, self.dimensions, value, self.generator_kwargs)
        return ImageCacheFile(
            generator_registry.get(self.generator, source=value, **self.generator_kwargs)
        )

    def to_representation(self, value: Any) -> dict[str, Any] | None:
        try:
            file = self.get_file(value)
            if file is None:
                return None
            url = file.url
            representation = {"url": url, "width": file.width, "height": file.height}
        except (MissingSource, SourceImageError) as exc:
            # As in templates: IMAGEKIT_TEMPLATE_MISSING_SOURCE decides.
            if missing_source_policy() == "raise":
                raise
            logger.warning("imagekit serializer field %r gave null: %s", self.field_name, exc)
            return None
        request = self.context.get("request")
        if request is not None:
            representation["url"] = request.build_absolute_uri(url)
        return representation
