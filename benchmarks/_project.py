"""The settings of a benchmark's throwaway Django project, built in a temporary folder.

``settings_for(root)`` returns what such a project has whatever it measures:
SQLite in ``root/db.sqlite3``, a ``FileSystemStorage`` in ``root/media``
served from ``/media/``, imagekit and the benchmark's ``benchapp`` (see
``_apps.py``) installed, a local-memory cache. A benchmark passes what it
measures differently as keyword arguments, which replace those settings
(``CACHES=...``), and ``default_storage`` to replace the "default" alias of
``STORAGES`` alone. The result goes to ``settings.configure(**...)``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


def settings_for(root: Path, *, default_storage: dict | None = None, **overrides: Any) -> dict:
    """Return the settings of a project in *root*, with *overrides* applied."""
    media = str(root / "media")
    default = default_storage or {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": media, "base_url": "/media/"},
    }
    return {
        "DEBUG": False,
        "SECRET_KEY": "benchmark-only",
        "USE_TZ": True,
        "DEFAULT_AUTO_FIELD": "django.db.models.AutoField",
        "INSTALLED_APPS": ["imagekit", "benchapp"],
        "DATABASES": {
            "default": {"ENGINE": "django.db.backends.sqlite3", "NAME": str(root / "db.sqlite3")}
        },
        "CACHES": {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}},
        "STORAGES": {
            "default": default,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
        "MEDIA_ROOT": media,
        "MEDIA_URL": "/media/",
        **overrides,
    }
