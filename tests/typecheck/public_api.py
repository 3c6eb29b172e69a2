"""What a project's type checker sees of imagekit's public API.

Checked by mypy with imagekit/ (``tox run -e typecheck``, run by .ci/run),
never imported or run. Each ``assert_type`` pins a type of the public surface
(issue #14, item 3): one that slips back to ``Any`` fails the check, since
mypy's ``assert_type`` tells ``Any`` from the type it stands for.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.core.cache.backends.base import BaseCache
from django.core.files.storage import Storage
from django.db import models
from django.db.models.fields.files import ImageFieldFile
from django.template import Context
from django.utils.safestring import SafeString
from typing_extensions import assert_type

from imagekit import ImageSpec, register
from imagekit._typing import CacheFileBackend, Generator
from imagekit.cachefiles import ImageCacheFile, LazyImageCacheFile
from imagekit.conf import setting
from imagekit.models import ImageSpecField, ProcessedImageField
from imagekit.models.fields.utils import ImageSpecFileDescriptor
from imagekit.processors import ResizeToFill
from imagekit.registry import cachefile_registry, generator_registry
from imagekit.specs import SpecHost
from imagekit.templatetags.imagekit import get_cachefile, img_tag, thumbnail_file
from imagekit.utils import get_cache, get_default_cachefile_backend, get_storage


class Photo(models.Model):
    image = models.ImageField()
    thumbnail = ImageSpecField(source="image", processors=[ResizeToFill(100, 50)], format="JPEG")
    processed = ProcessedImageField(processors=[ResizeToFill(800, 600)], format="JPEG")


@register.generator("typecheck:thumbnail")
class Thumbnail(ImageSpec):
    processors = [ResizeToFill(100, 50)]
    format = "JPEG"


class VaryingThumbnail(ImageSpec):
    @property
    def processors(self) -> list[ResizeToFill]:  # a property, as the docs allow
        return [ResizeToFill(100, 50)]


def the_descriptor_gives_a_cache_file(photo: Photo) -> None:
    assert_type(photo.thumbnail, ImageCacheFile)
    assert_type(Photo.thumbnail, ImageSpecField)
    assert_type(photo.thumbnail.url, str)
    assert_type(photo.thumbnail.width, int | None)
    assert_type(photo.thumbnail.generator, Generator)
    assert_type(photo.processed, ImageFieldFile)
    descriptor = ImageSpecFileDescriptor(Photo.thumbnail, "thumbnail", "image")
    assert_type(descriptor.__get__(photo, Photo), ImageCacheFile)
    assert_type(descriptor.__get__(None, Photo), ImageSpecField)


def the_registries_give_generators_and_cache_files(host: SpecHost) -> None:
    assert_type(generator_registry.get("typecheck:thumbnail"), Generator)
    assert_type(cachefile_registry.get("typecheck:thumbnail"), Iterator[ImageCacheFile])
    assert_type(host.get_spec(source=None), Generator)
    assert_type(register.generator("typecheck:other")(Thumbnail), type[Thumbnail])
    # A lazy cache file is a SimpleLazyObject: attribute access goes through
    # its __getattr__, which django-stubs types Any.
    assert_type(LazyImageCacheFile("typecheck:thumbnail"), LazyImageCacheFile)


def the_settings_accessors_are_typed() -> None:
    assert_type(setting("IMAGEKIT_CACHEFILE_DIR"), str)
    assert_type(setting("IMAGEKIT_CACHE_TIMEOUT"), int | None)
    assert_type(setting("IMAGEKIT_USE_MEMCACHED_SAFE_CACHE_KEY"), bool)
    assert_type(setting("IMAGEKIT_GENERATING_TIMEOUT"), int)
    assert_type(get_cache(), BaseCache)
    assert_type(get_storage(), Storage)
    assert_type(get_default_cachefile_backend(), CacheFileBackend)


def the_template_tag_helpers_are_typed(context: Context, photo: Photo) -> None:
    file = get_cachefile(context, "typecheck:thumbnail", {})
    assert_type(file, ImageCacheFile)
    thumb = thumbnail_file(None, {"width": 100, "height": None}, photo.image, {})
    assert_type(thumb, ImageCacheFile)
    assert_type(img_tag(file, {"alt": ""}), SafeString)
