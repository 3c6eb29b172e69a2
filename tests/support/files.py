"""Files in a test's ``FileSystemStorage``: put a source there, list and age what is there.

- ``stored()``: save a source and return it as a source group gives it.
- ``files_below()``: the names of the files below a folder of the storage.
- ``age()``, ``age_all()``: make stored files look old (``cleanupimages``
  leaves files modified within its grace period alone).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from imagekit.files import BaseIKFile


def stored(storage, name, content) -> BaseIKFile:
    """A source as a source group gives it: a file of the storage, by its name there."""
    file = BaseIKFile(storage)
    file.name = storage.save(name, content)
    return file


def files_below(storage, folder: str = "") -> set[str]:
    """Return the names (relative to the storage) of every file below *folder*."""
    root = Path(storage.location)
    return {str(path.relative_to(root)) for path in (root / folder).rglob("*") if path.is_file()}


def age(storage, name: str, seconds: float) -> None:
    """Make the stored file *name* look *seconds* old."""
    when = time.time() - seconds
    os.utime(storage.path(name), (when, when))


def age_all(storage, seconds: float = 3600) -> None:
    """Make every cache file (below ``CACHE``) look *seconds* old."""
    for name in files_below(storage, "CACHE"):
        age(storage, name, seconds)
