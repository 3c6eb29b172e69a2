"""Minimal Django settings for the imagekit test suite.

Each test that touches files gets its own ``MEDIA_ROOT`` through the
``media_storage`` fixture (see ``tests/conftest.py``). The directory below is
only a fallback, so that a test which forgets the fixture still writes into a
private temporary folder instead of the work tree.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile

SECRET_KEY = "imagekit-tests-not-secret"

DEBUG = False

USE_TZ = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": ":memory:",
    },
}

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "imagekit-tests",
    },
}

INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.admin",
    "django.contrib.sessions",
    "django.contrib.messages",
    "imagekit",
    "tests.testapp",
]

MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]

ROOT_URLCONF = "tests.testapp.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# Fallback only: the media_storage fixture points MEDIA_ROOT at tmp_path.
MEDIA_ROOT = tempfile.mkdtemp(prefix="imagekit-tests-media-")
atexit.register(shutil.rmtree, MEDIA_ROOT, ignore_errors=True)
MEDIA_URL = "/media/"

STATIC_URL = "/static/"
