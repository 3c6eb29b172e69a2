"""Helpers shared by the reliability tests (the fixtures are in ``conftest.py``)."""

from __future__ import annotations

import socket
from pathlib import Path

from django.core.files.storage import Storage

from imagekit.files import BaseIKFile


def files_under(folder: Path) -> list[str]:
    """Return the paths (relative to *folder*) of every file below it, hidden ones too."""
    if not folder.exists():
        return []
    return sorted(str(path.relative_to(folder)) for path in folder.rglob("*") if path.is_file())


def source_file(storage: Storage, name: str) -> BaseIKFile:
    """Return the stored file *name* as a spec source, not yet opened.

    Like a model's ``ImageFieldFile``, it is opened from the storage each time
    a spec reads it (so replacing the stored bytes replaces the source), and
    each request (thread, process) has its own.
    """
    source = BaseIKFile(storage)
    source.name = name
    return source


def free_port() -> int:
    """Return a TCP port on the loopback interface that nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
