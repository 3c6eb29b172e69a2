"""Test doubles shared by the test modules: one class per concept.

- ``RecordingStorage``: a ``FileSystemStorage`` that records the calls made to it.
- ``RecordingCache``: wraps a Django cache and records the calls made through it.
- ``PlainGenerator``: a generator that is not a spec, and counts its runs.
- ``RecordingQueue``: a task-queue cache file backend whose queue is a list.
- ``stored_file()``: put a file in a ``RecordingStorage`` without recording it.

The tests that use them count I/O (storage calls, cache round trips), so the
doubles record everything a test might assert on: the full calls, and the
method names alone (``methods_called()``).
"""

from __future__ import annotations

import io
import json
from collections.abc import Collection

from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage

from imagekit.cachefiles.backends import QueueBackend

#: The cache methods that are a round trip to the cache server (what
#: ``RecordingCache(cache, only=ROUND_TRIPS)`` records).
ROUND_TRIPS = frozenset({"get", "get_many", "set", "set_many", "add", "delete", "delete_many"})


class RecordingStorage(FileSystemStorage):
    """A FileSystemStorage that records the calls made to it from outside.

    ``calls`` holds one tuple per call, ``(method, name, *positional_args)``:
    ``("exists", name)``, ``("url", name)``, ``("open", name, "rb")``,
    ``("save", name, content)``. ``methods_called()`` lists the method names
    alone. Recorded: exists, open, save, url, path, size, delete and listdir.

    Calls the storage makes to itself (``save`` asks ``exists`` and ``path``)
    are not recorded, so ``calls`` lists exactly what imagekit asked for;
    with ``record_nested=True`` they are recorded too, so that, say, every
    ``exists`` counts, whoever asked.

    Without a *location* it stores under ``MEDIA_ROOT``, so Django can build it
    from ``STORAGES`` (``{"BACKEND": "tests.support.doubles.RecordingStorage"}``); its
    URLs start with ``MEDIA_URL`` unless *base_url* says otherwise.
    """

    def __init__(self, location=None, base_url=None, *, record_nested=False, **kwargs):
        if location is not None:
            location = str(location)
        super().__init__(location=location, base_url=base_url, **kwargs)
        self.calls = []
        self.record_nested = record_nested
        self._depth = 0

    def _record(self, method, name, *args, **kwargs):
        if self._depth == 0 or self.record_nested:
            self.calls.append((method, name, *args))
        self._depth += 1
        try:
            return getattr(super(), method)(name, *args, **kwargs)
        finally:
            self._depth -= 1

    def methods_called(self):
        """Return the names of the methods called, in order."""
        return [call[0] for call in self.calls]

    def exists(self, name):
        return self._record("exists", name)

    def open(self, name, mode="rb"):
        return self._record("open", name, mode)

    def save(self, name, content, max_length=None):
        return self._record("save", name, content, max_length=max_length)

    def url(self, name):
        return self._record("url", name)

    def path(self, name):
        return self._record("path", name)

    def size(self, name):
        return self._record("size", name)

    def delete(self, name):
        return self._record("delete", name)

    def listdir(self, path):
        return self._record("listdir", path)


class RecordingCache:
    """Wrap a Django cache and record the methods called through it.

    ``calls`` holds one ``(method, args, kwargs)`` tuple per call;
    ``methods_called()`` lists the method names alone. Every method is
    recorded, unless *only* names the ones to record (``ROUND_TRIPS``: the
    round trips to the cache server); the rest, and every attribute that is
    not callable, are the wrapped cache's own. The wrapped cache is
    ``wrapped``: use it to set a test up without recording anything.
    """

    def __init__(self, cache, only: Collection[str] | None = None):
        self.wrapped = cache
        self.only = only
        self.calls = []

    def __getattr__(self, name):
        attribute = getattr(self.wrapped, name)
        if not callable(attribute) or (self.only is not None and name not in self.only):
            return attribute

        def method(*args, **kwargs):
            self.calls.append((name, args, kwargs))
            return attribute(*args, **kwargs)

        return method

    def methods_called(self):
        """Return the names of the methods called, in order."""
        return [call[0] for call in self.calls]


class PlainGenerator:
    """A generator that is not a spec: it has only ``format``, ``generate()`` and ``get_hash()``.

    ``generate()`` returns *data* and counts its calls in ``runs``; with
    ``must_not_run=True`` it fails the test instead. ``get_hash()`` returns
    *name_hash*, so generators with different hashes name different files.
    """

    format = "PNG"

    def __init__(
        self,
        name_hash="0123456789abcdef",
        *,
        data=b"generated bytes",
        must_not_run=False,
    ):
        self.name_hash = name_hash
        self.data = data
        self.must_not_run = must_not_run
        self.runs = 0

    def generate(self):
        if self.must_not_run:
            raise AssertionError("This PlainGenerator must never be generated")
        self.runs += 1
        return io.BytesIO(self.data)

    def get_hash(self):
        return self.name_hash


class RecordingQueue(QueueBackend):
    """A task-queue backend whose queue is a list of JSON strings, ``sent``.

    Named by ``IMAGEKIT_DEFAULT_CACHEFILE_BACKEND`` (the ``recording_queue``
    fixture), so imagekit makes its own instances: ``sent`` belongs to the
    class, and the fixture empties it.
    """

    sent: list[str] = []

    def enqueue(self, payload):
        self.sent.append(json.dumps(payload))


def stored_file(storage, name, content):
    """Put *content* (bytes) in *storage* under *name* and forget the calls that took.

    *storage* is a ``RecordingStorage``; the saved name is returned.
    """
    saved = storage.save(name, ContentFile(content))
    storage.calls.clear()
    return saved
