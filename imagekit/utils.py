"""Helpers used across imagekit, plus pilkit's image utilities.

pilkit's helpers are re-exported by name (ImageKit star-imported them), so
``from imagekit.utils import open_image, suggest_extension`` keeps working.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import re
from collections.abc import Iterator
from html import escape as html_escape
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.cache.backends.base import BaseCache
from django.core.cache.backends.dummy import DummyCache
from django.core.files import File
from django.core.files.storage import InvalidStorageError, Storage, storages
from django.db.models import Model
from django.db.models.fields.files import FieldFile
from pilkit.utils import (
    DEFAULT_EXTENSIONS,
    PALETTE_TRANSPARENCY_FORMATS,
    RGBA_TRANSPARENCY_FORMATS,
    FileWrapper,
    Image,
    ImageFile,
    UnknownExtension,
    UnknownFormat,
    extension_to_format,
    extension_to_mimetype,
    format_to_extension,
    format_to_mimetype,
    img_to_fobj,
    open_image,
    prepare_image,
    process_image,
    quiet,
    save_image,
    suggest_extension,
)

from . import dotted_paths
from .conf import setting

if TYPE_CHECKING:
    from ._typing import CacheFileBackend, Generator

__all__ = [
    "DEFAULT_EXTENSIONS",
    "PALETTE_TRANSPARENCY_FORMATS",
    "RGBA_TRANSPARENCY_FORMATS",
    "FileWrapper",
    "Image",
    "ImageFile",
    "UnknownExtension",
    "UnknownFormat",
    "autodiscover",
    "bad_memcached_key_chars",
    "call_strategy_method",
    "extension_to_format",
    "extension_to_mimetype",
    "format_to_extension",
    "format_to_mimetype",
    "generate",
    "get_by_qname",
    "get_cache",
    "get_default_cachefile_backend",
    "get_field_info",
    "get_logger",
    "get_nonabstract_descendants",
    "get_singleton",
    "get_storage",
    "img_to_fobj",
    "open_image",
    "prepare_image",
    "process_image",
    "quiet",
    "sanitize_cache_key",
    "save_image",
    "suggest_extension",
]

#: Characters memcached refuses in keys: control characters and whitespace.
bad_memcached_key_chars = re.compile("[\u0000-\u001f\\s]+")

# memcached keys are limited to 250 bytes; ImageKit shortens at 200 characters.
_MAX_CACHE_KEY_LENGTH = 200
_MD5_HEX_LENGTH = 32

_autodiscovered = False
_dummy_cache = DummyCache("imagekit-debug", {})


def get_nonabstract_descendants(model: type[Model]) -> Iterator[type[Model]]:
    """Yield *model* (if concrete) and each concrete subclass, depth first."""
    if not model._meta.abstract:
        yield model
    for subclass in model.__subclasses__():
        yield from get_nonabstract_descendants(subclass)


def get_by_qname(path: str, desc: str) -> Any:
    """Import and return the object at the dotted *path*."""
    return dotted_paths.import_by_path(path, desc)


def get_singleton(class_path: str, desc: str) -> Any:
    """Return the shared instance of the class at *class_path*."""
    return dotted_paths.singleton(class_path, desc)


def autodiscover() -> None:
    """Import the ``imagegenerators`` module of every installed app, once."""
    global _autodiscovered  # noqa: PLW0603 - once per process, like Django's admin
    if _autodiscovered:
        return
    from django.utils.module_loading import autodiscover_modules

    autodiscover_modules("imagegenerators")
    _autodiscovered = True


def get_logger(logger_name: str = "imagekit", add_null_handler: bool = True) -> logging.Logger:
    """Return the named logger, with a ``NullHandler`` attached if asked."""
    logger = logging.getLogger(logger_name)
    if add_null_handler and not any(isinstance(h, logging.NullHandler) for h in logger.handlers):
        logger.addHandler(logging.NullHandler())
    return logger


def get_field_info(field_file: object) -> tuple[Model | None, str | None]:
    """Return ``(model instance, field name)`` for a model's file.

    A file that does not belong to a model field gives ``(None, None)``.
    Use it in a spec to vary processing with the model::

        instance, field_name = get_field_info(self.source)
    """
    if isinstance(field_file, FieldFile):
        return field_file.instance, field_file.field.name
    return None, None


def generate(generator: Generator) -> File[Any]:
    """Run *generator* and wrap its output in a Django ``File`` ready to save.

    The file's ``size`` is set and its position rewound, so storages can
    save it without guessing.
    """
    content = generator.generate()
    size: int | None = content.seek(0, os.SEEK_END)
    if size is None:  # file-likes whose seek() returns nothing
        size = content.tell()
    content.seek(0)
    wrapped = File(content)
    wrapped.size = size
    return wrapped


def call_strategy_method(file: object, method_name: str) -> None:
    """Call ``file.cachefile_strategy.<method_name>(file)`` if the strategy has it."""
    strategy = getattr(file, "cachefile_strategy", None)
    method = getattr(strategy, method_name, None)
    if method is not None:
        method(file)


def get_cache() -> BaseCache:
    """Return the Django cache that remembers cache file states.

    Compatibility: when ``DEBUG`` is true and ``IMAGEKIT_CACHE_BACKEND`` was
    never set, states are kept in a dummy cache (nothing is remembered), so a
    developer's edits to a spec show up at once.
    """
    from django.core.cache import caches

    from .conf import cache_backend_was_defaulted, unknown_cache_backend

    if settings.DEBUG and cache_backend_was_defaulted():
        return _dummy_cache
    alias = setting("IMAGEKIT_CACHE_BACKEND")
    if alias not in setting("CACHES"):
        raise unknown_cache_backend(alias)
    return caches[alias]


def get_storage() -> Storage:
    """Return the storage for cache files.

    ``IMAGEKIT_DEFAULT_FILE_STORAGE`` may name a ``settings.STORAGES`` alias or,
    failing that, the dotted path of a storage class (one shared instance).
    """
    value = setting("IMAGEKIT_DEFAULT_FILE_STORAGE")
    try:
        return storages[value]
    except InvalidStorageError:
        storage: Storage = get_singleton(value, "file storage backend")
        return storage


def get_default_cachefile_backend() -> CacheFileBackend:
    """Return the shared instance of ``IMAGEKIT_DEFAULT_CACHEFILE_BACKEND``."""
    backend: CacheFileBackend = get_singleton(
        setting("IMAGEKIT_DEFAULT_CACHEFILE_BACKEND"), "file backend"
    )
    return backend


def sanitize_cache_key(key: str) -> str:
    """Make *key* safe for memcached if ``IMAGEKIT_USE_MEMCACHED_SAFE_CACHE_KEY``.

    Whitespace and control characters are removed; a result of 200 characters
    or more keeps its first 167 characters followed by ``:`` and the md5 of the
    original key.
    """
    if not setting("IMAGEKIT_USE_MEMCACHED_SAFE_CACHE_KEY"):
        return key
    return _memcached_safe(key)


@functools.lru_cache(maxsize=20000)
def _memcached_safe(key: str) -> str:
    # A pure function of the key; warm pages ask for the same keys each request.
    cleaned = bad_memcached_key_chars.sub("", key)
    if len(cleaned) >= _MAX_CACHE_KEY_LENGTH:
        digest = hashlib.md5(key.encode("utf-8")).hexdigest()
        cleaned = f"{cleaned[: _MAX_CACHE_KEY_LENGTH - _MD5_HEX_LENGTH - 1]}:{digest}"
    return cleaned


def escape_for_html(value: object) -> str:
    """Escape *value* for HTML unless it is already safe: ``conditional_escape`` exactly.

    Written out for the tags' and pictures' markup, where Django's
    lazy-aware wrappers cost a third of a warm tag's time; the output is the
    same (pinned by tests against ``format_html``). Integers, the sizes, need
    no escaping.
    """
    if type(value) is int:
        return str(value)
    if hasattr(value, "__html__"):
        return str(value.__html__())
    return html_escape(str(value), quote=True)
