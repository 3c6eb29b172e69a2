"""Shared fixtures for the imagekit test suite.

No image files are committed: every image a test needs is drawn with Pillow
by ``make_image``. No test writes into a shared folder: ``media_storage``
gives each test its own ``MEDIA_ROOT`` under ``tmp_path``.
"""

from __future__ import annotations

import contextlib
import io
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.core.cache import caches
from django.core.files.storage import FileSystemStorage, default_storage, storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from PIL import Image

from imagekit.cachefiles.backends import Simple, get_default_cachefile_backend
from imagekit.registry import generator_registry, register, unregister
from tests.support.doubles import ROUND_TRIPS, RecordingCache, RecordingQueue, RecordingStorage

DEFAULT_COLOR = "#c86432"

# tests/scale/ starts real servers and workers and needs its own settings: it
# runs in a session of its own, `pytest tests/scale --ds tests.scale.settings`
# (scripts/test.py runs it after this suite).
if os.environ.get("DJANGO_SETTINGS_MODULE") != "tests.scale.settings":
    collect_ignore = ["scale"]

# The browser tests need Chromium and Selenium: scripts/browsertest.py (which
# .ci/run calls after installing Chromium) runs them. Left out of collection,
# rather than skipped, everywhere else.
collect_ignore_glob = [] if os.environ.get("IMAGEKIT_BROWSER_TESTS") == "1" else ["browser/*"]

# Content types for the formats tests use most; anything else falls back to
# Pillow's registry (Image.MIME).
_CONTENT_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "GIF": "image/gif"}


def make_image_bytes(
    fmt: str = "JPEG",
    size: tuple[int, int] = (64, 48),
    mode: str = "RGB",
    color: str | int | tuple[int, ...] | None = DEFAULT_COLOR,
    **save_options,
) -> bytes:
    """Return the bytes of a *size* image of one *color*, encoded as *fmt*.

    *color* is anything ``PIL.Image.new`` accepts for *mode* (a name, a
    ``#rrggbb`` string, an int for "L", a tuple); ``None`` leaves the pixels
    at zero (black, or fully transparent for "RGBA").
    """
    image = Image.new(mode, size, color)
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **save_options)
    return buffer.getvalue()


def format_for_name(name: str) -> str:
    """Return the Pillow format name that the extension of *name* implies."""
    extension = Path(name).suffix.lower()
    try:
        return Image.registered_extensions()[extension]
    except KeyError:
        raise ValueError(f"No Pillow format for the extension of {name!r}.") from None


@contextmanager
def serving_a_request() -> Iterator[None]:
    """Bracket the block with ``request_started`` and ``request_finished``.

    As Django's handlers do for every request, and as its test client does it:
    without closing the database connection (``close_old_connections``), which
    would end the test's transaction.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        request_started.send(sender=None)
        try:
            yield
        finally:
            request_finished.send(sender=None)
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def in_request() -> Callable[[], contextlib.AbstractContextManager[None]]:
    """Return ``in_request()``, a context manager that serves a request around its block."""
    return serving_a_request


@pytest.fixture
def make_image() -> Callable[..., bytes]:
    """Return ``make_image(fmt='JPEG', size=(64, 48), mode='RGB', color=...)``.

    It returns the encoded bytes of a solid image drawn with Pillow.
    """
    return make_image_bytes


@pytest.fixture
def image_file() -> Callable[..., SimpleUploadedFile]:
    """Return ``image_file(name='photo.jpg', fmt=None, **make_image_kwargs)``.

    It builds a named ``SimpleUploadedFile`` holding a Pillow-drawn image, ready
    to assign to an ImageField or to pass to a form. The format defaults to
    the one *name*'s extension implies.
    """

    def build(name: str = "photo.jpg", fmt: str | None = None, **kwargs) -> SimpleUploadedFile:
        fmt = fmt or format_for_name(name)
        content_type = _CONTENT_TYPES.get(fmt) or Image.MIME.get(fmt, "application/octet-stream")
        return SimpleUploadedFile(name, make_image_bytes(fmt, **kwargs), content_type=content_type)

    return build


@pytest.fixture
def media_storage(settings, tmp_path: Path) -> FileSystemStorage:
    """Point ``MEDIA_ROOT`` at a fresh folder and return the default storage.

    Django's FileSystemStorage reads ``MEDIA_ROOT`` lazily and forgets the
    cached value when the ``setting_changed`` signal names it, which the
    pytest-django ``settings`` fixture sends. So ``default_storage``,
    ``storages["default"]`` and anything that resolves the "default" alias
    later (imagekit's ``get_storage()``) all write below *tmp_path* for the
    duration of the test, and go back to the fallback root afterwards.
    """
    media_root = tmp_path / "media"
    media_root.mkdir()
    settings.MEDIA_ROOT = str(media_root)
    settings.MEDIA_URL = "/media/"
    storage = storages["default"]
    # Fail here, loudly, rather than let tests write into a shared folder if a
    # future Django stops refreshing the location on setting_changed.
    assert Path(storage.location) == media_root, storage.location
    assert Path(default_storage.location) == media_root, default_storage.location
    return storage


@pytest.fixture
def overwriting_storage(settings, media_storage: FileSystemStorage) -> FileSystemStorage:
    """The default storage, keeping names: a new upload under a taken name replaces the file.

    ``FileSystemStorage(allow_overwrite=True)`` on the same folder as
    :func:`media_storage`, as a site that replaces uploads in place has it.
    """
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": media_storage.location, "allow_overwrite": True},
        },
    }
    return storages["default"]


@pytest.fixture(autouse=True)
def _clear_caches():
    """Empty every configured cache after each test.

    imagekit remembers cache file states (exists, generating) in the Django
    cache, keyed by file name; a state left by one test would describe a file
    in another test's (already deleted) media folder.
    """
    yield
    for cache in caches.all(initialized_only=True):
        cache.clear()


# --- recording doubles ------------------------------------------------------------
# Tests that count storage calls or cache round trips use these; the doubles
# themselves are in tests/support/doubles.py. Two kinds: ones handed to a cache
# file explicitly (recording_storage, recording_cache, recording_backend), and
# ones put where a site's code finds them, through settings
# (recording_default_storage, recording_default_cache, recording_queue).


@pytest.fixture
def recording_storage(tmp_path: Path) -> RecordingStorage:
    """A storage in a fresh folder under *tmp_path* that records the calls made to it."""
    return RecordingStorage(tmp_path / "counted")


@pytest.fixture
def recording_cache() -> RecordingCache:
    """The default Django cache, wrapped so that every call made through it is recorded."""
    return RecordingCache(caches["default"])


@pytest.fixture
def recording_backend(recording_cache: RecordingCache) -> Simple:
    """A ``Simple`` cache file backend whose Django cache is ``recording_cache``."""
    backend = Simple()
    backend.cache = recording_cache
    return backend


@pytest.fixture
def recording_default_storage(settings, tmp_path: Path) -> RecordingStorage:
    """Make the "default" storage alias a ``RecordingStorage`` below *tmp_path*; return it.

    Everything that resolves the alias (models, imagekit's ``get_storage()``)
    gets this one instance for the duration of the test.
    """
    settings.MEDIA_ROOT = str(tmp_path)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "tests.support.doubles.RecordingStorage"},
    }
    return storages["default"]


@pytest.fixture
def recording_queue(settings) -> type[RecordingQueue]:
    """Make the default cache file backend a task queue that records its tasks; return it.

    The tasks sent during the test are in ``recording_queue.sent``, as JSON
    strings, in order.
    """
    settings.IMAGEKIT_DEFAULT_CACHEFILE_BACKEND = "tests.support.doubles.RecordingQueue"
    RecordingQueue.sent = []
    return RecordingQueue


@pytest.fixture
def recording_default_cache() -> Iterator[RecordingCache]:
    """Record the round trips (``ROUND_TRIPS``) of the default cache file backend's cache.

    The counter must sit between imagekit and the very cache the site
    configured, and no setting names a wrapper: the backend's public ``cache``
    attribute is pointed at the recorder for the test, and back afterwards.
    """
    backend = get_default_cachefile_backend()
    configured = backend.cache
    recording = RecordingCache(configured, only=ROUND_TRIPS)
    backend.cache = recording
    try:
        yield recording
    finally:
        backend.cache = configured


# --- registrations for one test ---------------------------------------------------


class Registrations:
    """Register generators, cache files and source groups for one test only.

    Every method registers through imagekit's public ``register`` and notes how
    to take it back; the ``registrations`` fixture takes everything back, last
    first, after the test, whether it passed or not. It also unregisters every
    generator id that appeared during the test however it was registered (a
    direct ``register.generator`` call, a form field's or a model field's
    spec), so a test of ``register`` itself needs nothing but the fixture.
    """

    def __init__(self) -> None:
        self._undo: list[Callable[[], None]] = []
        self._ids_before = set(generator_registry.get_ids())

    def generator(self, generator_id: str, generator, *, replacing=None):
        """Register *generator* under *generator_id*; return *generator*.

        With *replacing* (the generator registered under that id now, say a
        model's spec), that one is unregistered first and registered again
        afterwards, as after a deployment that changed the spec and back.
        """
        if replacing is not None:
            unregister.generator(generator_id)
            self._undo.append(lambda: register.generator(generator_id, replacing))
        register.generator(generator_id, generator)
        self._undo.append(lambda: self._unregister_generator(generator_id))
        return generator

    def cachefiles(self, generator_id: str, cachefiles):
        """Link the *cachefiles* callable to *generator_id*; return it."""
        register.cachefiles(generator_id, cachefiles)
        self._undo.append(lambda: unregister.cachefiles(generator_id, cachefiles))
        return cachefiles

    def source_group(self, generator_id: str, source_group):
        """Link *source_group* to *generator_id*; return it."""
        register.source_group(generator_id, source_group)
        self._undo.append(lambda: unregister.source_group(generator_id, source_group))
        return source_group

    def undo_afterwards(self, function: Callable[..., object], *args) -> None:
        """Call ``function(*args)`` after the test: for a registration made another way."""
        self._undo.append(lambda: function(*args))

    @staticmethod
    def _unregister_generator(generator_id: str) -> None:
        if generator_id in generator_registry.get_ids():
            unregister.generator(generator_id)

    def undo(self) -> None:
        while self._undo:
            self._undo.pop()()
        for generator_id in set(generator_registry.get_ids()) - self._ids_before:
            unregister.generator(generator_id)


@pytest.fixture
def registrations() -> Iterator[Registrations]:
    """Return a ``Registrations``: what a test registers through it is gone afterwards."""
    made = Registrations()
    try:
        yield made
    finally:
        made.undo()
