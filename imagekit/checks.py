"""System checks (``manage.py check``) for imagekit's settings."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks

from .conf import setting

__all__ = ["check_cache_backend", "check_image_codecs", "register_checks"]


def check_cache_backend(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Warn when the state cache forgets everything outside DEBUG."""
    from django.core.cache import caches

    from .conf import cache_backend_was_defaulted

    messages = []
    alias = setting("IMAGEKIT_CACHE_BACKEND")
    if alias not in settings.CACHES:
        messages.append(
            checks.Error(
                f"IMAGEKIT_CACHE_BACKEND = {alias!r} is not a key of settings.CACHES.",
                hint="Name one of the caches in settings.CACHES.",
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


def check_image_codecs(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
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


def register_checks() -> None:
    """Register imagekit's checks (idempotent)."""
    checks.register(check_cache_backend, "imagekit")
    checks.register(check_image_codecs, "imagekit")
