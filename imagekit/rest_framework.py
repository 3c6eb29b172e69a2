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

With ``widths=``, ``formats=``, ``sizes=``, ``placeholder=`` or
``picture=True`` it gives what ``{% picture %}`` renders, per format::

    hero = CacheFileField("800x600", source="original_image", widths=[480, 960])

    {"url": ..., "width": 960, "height": 720, "type": "image/jpeg",
     "srcset": "... 480w, ... 960w", "sizes": "100vw",
     "sources": [{"type": "image/avif", "srcset": "...", "sizes": "100vw"},
                 {"type": "image/webp", "srcset": "...", "sizes": "100vw"}],
     "placeholder": null}

What it costs: exactly what ``{{ photo.thumbnail.url }}`` and ``.width``
cost in a template. On a warm list served inside a request, the sizes come
with the states (one cache round trip for the whole page once the process
has served it; see docs/topics/caching.rst), and the storage is asked for
URLs only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import template as django_template

from .arguments import check_anchor, check_format
from .cachefiles import ImageCacheFile, size_if_made
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


if TYPE_CHECKING:
    from collections.abc import Callable

    from .pictures import Picture, PictureImage, PictureSource

    # Generic in the DRF stubs only. The attribute a field reads is anything (a
    # cache file, or the source of one); its representation a dict or None.
    _Field = serializers.Field[Any, Any, dict[str, Any] | None, Any]
else:
    _Field = serializers.Field


class CacheFileField(_Field):
    """Serialize a cache file as ``{"url", "width", "height"}``, or a picture; read-only.

    Without arguments the attribute must be a cache file (an
    ``ImageSpecField``'s value). With *geometry* (``"320x240"``, ``"320x"``,
    ``"x240"``) it is the source of a thumbnail made as ``{% thumbnail %}``
    makes it, with the same *anchor*, *crop*, *upscale* and *format*
    options; with *generator* (an id), of that generator's file, built
    with *generator_kwargs* as ``{% generateimage %}`` builds it (with
    *geometry* too, as ``{% thumbnail 'id' 'WxH' source %}``).

    *picture* (implied by any of *widths*, *formats*, *sizes*,
    *placeholder* and *quality*, which are those of ``{% picture %}``)
    serializes the picture of the same geometry, generator or spec field:
    the ``<img>``'s ``url``, ``width``, ``height``, ``type``, ``srcset`` and
    ``sizes``, its ``sources`` (one per modern format, in order) and its
    ``placeholder``. Unset, they default as in the tag: to what the spec
    declares, then to the ``IMAGEKIT_PICTURE_*`` settings.
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
        picture: bool = False,
        widths: Any = None,
        formats: Any = None,
        sizes: str | None = None,
        placeholder: str | None = None,
        quality: int | None = None,
        **kwargs: Any,
    ):
        kwargs["read_only"] = True
        super().__init__(**kwargs)
        picture_options = {
            "widths": widths,
            "formats": formats,
            "sizes": sizes,
            "placeholder": placeholder,
            "quality": quality,
        }
        self.picture_options = {k: v for k, v in picture_options.items() if v is not None}
        self.picture = bool(picture or self.picture_options)
        if self.picture:
            self._check_picture(geometry, generator, format)
            if upscale is not None:
                self.picture_options["upscale"] = upscale
                upscale = None
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
        if self.picture:  # anchor= and crop= go to the picture
            self.generator_kwargs = dict(generator_kwargs or {})
            self.picture_options.update(options)
        self.geometry = geometry

    def _check_picture(self, geometry: Any, generator: Any, fmt: Any) -> None:
        from .pictures import check_placeholder, check_sizes, parse_formats, parse_widths

        if fmt is not None:
            raise TypeError(
                f"CacheFileField: format={fmt!r} makes one file; a picture takes formats= "
                "(and keeps a fallback in the source's format)."
            )
        if geometry is not None and generator is not None:
            raise TypeError(
                "CacheFileField: a picture is of a geometry or of a generator, not both."
            )
        checks = {
            "widths": parse_widths,
            "formats": parse_formats,
            "sizes": check_sizes,
            "placeholder": check_placeholder,
        }
        for name, check in checks.items():
            if name in self.picture_options:
                check(self.picture_options[name], f"CacheFileField {name}=")

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
            # Not None: with neither a geometry nor a generator, value was returned above.
            generator_registry.get(self.generator, source=value, **self.generator_kwargs)  # type: ignore[arg-type]
        )

    def get_picture(self, value: Any) -> Picture | None:
        """Return the :class:`~imagekit.pictures.Picture` for the attribute *value*, or None.

        Generates what the cache file strategy says, as ``{% picture %}`` does.
        """
        from .pictures import build_picture

        if self.geometry is None and self.generator is None:
            file = self.get_file(value)  # checks that it is a cache file
            return None if file is None else build_picture(file, **self.picture_options)
        if not value:
            return None
        options = dict(self.picture_options)
        if self.generator_kwargs:
            options["generator_kwargs"] = self.generator_kwargs
        return build_picture(self.geometry or self.generator, value, **options)

    def to_representation(self, value: Any) -> dict[str, Any] | None:
        request = self.context.get("request")
        url = request.build_absolute_uri if request is not None else str
        try:
            if self.picture:
                return self._picture_representation(self.get_picture(value), url)
            file = self.get_file(value)
            if file is None:
                return None
            # Null sizes while a task queue has yet to make the file (see size_if_made).
            width, height = size_if_made(file) or (None, None)
            return {"url": url(file.url), "width": width, "height": height}
        except (MissingSource, SourceImageError) as exc:
            # As in templates: IMAGEKIT_TEMPLATE_MISSING_SOURCE decides.
            if missing_source_policy() == "raise":
                raise
            logger.warning("imagekit serializer field %r gave null: %s", self.field_name, exc)
            return None

    @staticmethod
    def _picture_representation(
        picture: Picture | None, url: Callable[[str], str]
    ) -> dict[str, Any] | None:
        if picture is None:
            return None

        def srcset(part: PictureImage | PictureSource) -> str:
            return ", ".join(f"{url(entry.url)} {entry.width}w" for entry in part.entries)

        img = picture.img
        placeholder = picture.placeholder
        return {
            "url": url(img.url),
            "width": img.width,
            "height": img.height,
            "type": img.type,
            "srcset": srcset(img),
            "sizes": img.sizes,
            "sources": [
                {"type": source.type, "srcset": srcset(source), "sizes": source.sizes}
                for source in picture.sources
            ],
            "placeholder": (
                None
                if placeholder is None
                else {"kind": placeholder.kind, "value": placeholder.value}
            ),
        }
