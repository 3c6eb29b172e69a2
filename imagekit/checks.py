"""System checks (``manage.py check``) for imagekit's settings."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core import checks

from .conf import setting

if TYPE_CHECKING:
    from django.apps import AppConfig
    from django.db.models import Model

    from .models.fields.utils import ImageSpecFileDescriptor

__all__ = [
    "check_cache_backend",
    "check_dotted_paths",
    "check_image_codecs",
    "check_spec_field_sources",
    "register_checks",
]

#: The settings that hold a dotted path, and what each names.
DOTTED_PATH_SETTINGS = {
    "IMAGEKIT_CACHEFILE_NAMER": "namer",
    "IMAGEKIT_SPEC_CACHEFILE_NAMER": "namer",
    "IMAGEKIT_DEFAULT_CACHEFILE_BACKEND": "file backend",
    "IMAGEKIT_DEFAULT_CACHEFILE_STRATEGY": "cache file strategy",
}


def check_cache_backend(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[checks.CheckMessage]:
    """Warn when the state cache forgets everything outside DEBUG."""
    from django.core.cache import caches

    from .conf import cache_backend_was_defaulted

    messages: list[checks.CheckMessage] = []
    alias = setting("IMAGEKIT_CACHE_BACKEND")
    if alias not in settings.CACHES:
        messages.append(
            checks.Error(
                f"IMAGEKIT_CACHE_BACKEND = {alias!r} is not a key of settings.CACHES.",
                hint=(
                    "Set IMAGEKIT_CACHE_BACKEND to one of "
                    f"{', '.join(map(repr, settings.CACHES)) or 'the caches in settings.CACHES'}, "
                    "or add a cache of that name to settings.CACHES."
                ),
                id="imagekit.E001",
            )
        )
    elif not settings.DEBUG or not cache_backend_was_defaulted():
        backend = type(caches[alias]).__name__
        if backend == "DummyCache":
            messages.append(
                checks.Warning(
                    f"IMAGEKIT_CACHE_BACKEND ({alias!r}) is a DummyCache: every "
                    "cache file access will ask the storage whether the file exists.",
                    hint="Point IMAGEKIT_CACHE_BACKEND at a real cache with a long timeout.",
                    id="imagekit.W001",
                )
            )
    return messages


def check_image_codecs(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[checks.CheckMessage]:
    """Warn when Pillow lacks the codecs most sites need."""
    from PIL import features

    missing = [codec for codec in ("jpg", "zlib", "webp") if not features.check(codec)]
    if not missing:
        return []
    return [
        checks.Warning(
            f"Pillow was built without support for: {', '.join(missing)}.",
            hint="Install a Pillow wheel from PyPI, or the libraries it needs.",
            id="imagekit.W002",
        )
    ]


def _spec_fields(
    app_configs: Sequence[AppConfig] | None = None,
) -> list[tuple[type[Model], ImageSpecFileDescriptor]]:
    """Return ``(model, descriptor)`` for every ``ImageSpecField`` of the apps' models.

    All installed apps unless *app_configs* (as Django passes to checks) says which.
    """
    from django.apps import apps

    from .models.fields.utils import ImageSpecFileDescriptor

    if app_configs:
        models = [model for config in app_configs for model in config.get_models()]
    else:
        models = apps.get_models()
    found: list[tuple[type[Model], ImageSpecFileDescriptor]] = []
    for model in models:
        for klass in model.__mro__:
            for value in vars(klass).values():
                if isinstance(value, ImageSpecFileDescriptor):
                    found.append((model, value))
    return found


def check_spec_field_sources(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[checks.CheckMessage]:
    """Report ``ImageSpecField``\\ s whose ``source`` names no field of their model."""
    from django.core.exceptions import FieldDoesNotExist
    from django.db.models import FileField

    messages: list[checks.CheckMessage] = []
    for model, descriptor in _spec_fields(app_configs):
        source = descriptor.source_field_name
        try:
            model._meta.get_field(source)
        except FieldDoesNotExist:
            names = [f.name for f in model._meta.get_fields() if isinstance(f, FileField)]
            messages.append(
                checks.Error(
                    f"The ImageSpecField {descriptor.attname!r} of {model._meta.label} has "
                    f"source={source!r}, which is not a field of the model.",
                    hint=(
                        f"Name one of its file fields: {', '.join(map(repr, names))}."
                        if names
                        else "Give the model an ImageField to be the source."
                    ),
                    obj=model,
                    id="imagekit.E002",
                )
            )
    return messages


def _import_error(path: str, desc: str) -> str | None:
    from django.core.exceptions import ImproperlyConfigured

    from . import dotted_paths

    try:
        dotted_paths.import_by_path(path, desc)
    except ImproperlyConfigured as exc:
        return str(exc)
    return None


def check_dotted_paths(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[checks.CheckMessage]:
    """Report dotted paths in ``IMAGEKIT_*`` settings and spec fields that do not import."""
    messages: list[checks.CheckMessage] = []
    for name, desc in DOTTED_PATH_SETTINGS.items():
        error = _import_error(setting(name), desc)
        if error:
            messages.append(_path_error(f"{name} = {setting(name)!r}", error))
    storage = setting("IMAGEKIT_DEFAULT_FILE_STORAGE")
    if storage not in getattr(settings, "STORAGES", {}):
        error = _import_error(storage, "file storage backend")
        if error:
            messages.append(
                _path_error(
                    f"IMAGEKIT_DEFAULT_FILE_STORAGE = {storage!r}",
                    f"{error} (nor is it a key of settings.STORAGES)",
                )
            )
    field_specs: set[int] = set()
    for model, descriptor in _spec_fields(app_configs):
        spec = getattr(descriptor.field, "_original_spec", None)
        field_specs.add(id(spec))
        where = f"of the ImageSpecField {descriptor.attname!r} of {model._meta.label}"
        messages.extend(_spec_path_errors(spec, where, obj=model))
    if app_configs is None:
        from .registry import generator_registry

        for generator_id in sorted(generator_registry.get_ids()):
            generator = generator_registry._generators[generator_id]
            if id(generator) not in field_specs:
                messages.extend(_spec_path_errors(generator, f"of the generator {generator_id!r}"))
    return messages


def _spec_path_errors(spec: object, where: str, obj: object = None) -> list[checks.CheckMessage]:
    """Check the dotted-path attributes of one spec (class or instance)."""
    messages: list[checks.CheckMessage] = []
    for attr, desc in (
        ("cachefile_backend", "file backend"),
        ("cachefile_strategy", "cache file strategy"),
        ("cachefile_storage", "file storage backend"),
    ):
        value = getattr(spec, attr, None)
        if isinstance(value, str) and value != setting("IMAGEKIT_DEFAULT_CACHEFILE_STRATEGY"):
            error = _import_error(value, desc)
            if error:
                messages.append(_path_error(f"{attr}={value!r} {where}", error, obj=obj))
    return messages


def _path_error(what: str, error: str, obj: object = None) -> checks.CheckMessage:
    return checks.Error(
        f"{what} does not import: {error}",
        hint="Give the dotted path of an importable class or function.",
        obj=obj,
        id="imagekit.E003",
    )


def register_checks() -> None:
    """Register imagekit's checks (idempotent)."""
    checks.register(check_cache_backend, "imagekit")
    checks.register(check_image_codecs, "imagekit")
    checks.register(check_spec_field_sources, "imagekit")
    checks.register(check_dotted_paths, "imagekit")
