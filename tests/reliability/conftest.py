"""Fixtures for the reliability tests: stored sources, the cache folder, a real Redis."""

from __future__ import annotations

import itertools
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.core.cache import caches
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage

from imagekit.cachefiles import backends
from imagekit.files import BaseIKFile
from tests.reliability.helpers import free_port, source_file
from tests.support.redis_server import find_redis_server


@pytest.fixture
def media_root(media_storage: FileSystemStorage) -> Path:
    """The test's own ``MEDIA_ROOT``."""
    return Path(media_storage.location)


@pytest.fixture
def cache_root(settings, media_root: Path) -> Path:
    """Where cache files go: ``MEDIA_ROOT / IMAGEKIT_CACHEFILE_DIR``."""
    return media_root / settings.IMAGEKIT_CACHEFILE_DIR


@pytest.fixture
def stored_source(media_storage: FileSystemStorage) -> Callable[[str, bytes], BaseIKFile]:
    """Return ``stored_source(name, data)``: store *data* as *name*; return a source for it."""

    def store(name: str, data: bytes) -> BaseIKFile:
        if media_storage.exists(name):
            media_storage.delete(name)
        saved = media_storage.save(name, ContentFile(data))
        assert saved == name
        return source_file(media_storage, name)

    return store


_spec_ids = itertools.count()


@pytest.fixture
def registered(registrations) -> Callable[[type], str]:
    """Return ``registered(spec_class)``: register it under a new id, return the id.

    Only registered generators' files follow their strategy (JustInTime: a
    file's ``url`` generates it), as in ImageKit. They are unregistered after
    the test (``registrations``, tests/conftest.py).
    """

    def register_spec(spec_class: type) -> str:
        spec_id = f"tests:reliability:{spec_class.__name__}:{next(_spec_ids)}"
        registrations.generator(spec_id, spec_class)
        return spec_id

    return register_spec


@pytest.fixture
def backend() -> Iterator[backends.CachedFileBackend]:
    """The default cache file backend, made to look its state cache up again.

    The backend keeps the cache it first used; tests that change
    ``IMAGEKIT_CACHE_BACKEND`` or ``CACHES`` need it to look again (setting
    its ``cache`` to None does that), and the old one is put back afterwards.
    """
    backend = backends.get_default_cachefile_backend()
    configured = backend.cache
    backend.cache = None
    try:
        yield backend
    finally:
        backend.cache = configured


@pytest.fixture
def fresh_cache_warning(monkeypatch) -> None:
    """Let the next cache failure be logged, whatever earlier tests logged."""
    monkeypatch.setattr(backends.guard, "_last_cache_warning", float("-inf"))


# --- a real Redis ----------------------------------------------------------


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory) -> Iterator[str]:
    """Start a throw-away ``redis-server`` on a free loopback port; yield its URL."""
    import redis

    port = free_port()
    folder = tmp_path_factory.mktemp("redis")
    server = subprocess.Popen(
        [
            find_redis_server(),
            *("--port", str(port), "--bind", "127.0.0.1"),
            *("--save", "", "--appendonly", "no", "--dir", str(folder)),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    url = f"redis://127.0.0.1:{port}/0"
    try:
        client = redis.Redis.from_url(url)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"redis-server did not start on port {port}.", pytrace=False)
                time.sleep(0.05)
        client.close()
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture
def redis_cache(settings, redis_url: str, backend) -> str:
    """Make a Django ``RedisCache`` on the test server imagekit's state cache; return its alias."""
    settings.CACHES = {
        **settings.CACHES,
        "redis": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_url,
            "KEY_PREFIX": "imagekit-reliability",
        },
    }
    settings.IMAGEKIT_CACHE_BACKEND = "redis"
    caches["redis"].clear()
    return "redis"
