"""Namers: functions that decide where a generator's cache file is stored.

A namer takes a generator and returns a storage path under
``IMAGEKIT_CACHEFILE_DIR``. The names are those ImageKit 6.1 gives, so a
site that switches keeps its existing cache files.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pilkit.utils import format_to_extension, suggest_extension

from ..conf import setting

if TYPE_CHECKING:
    from .._typing import Namer, Spec

__all__ = ["hash", "source_name_as_path", "source_name_dot_hash"]


def _source_name(generator: Spec) -> str | None:
    name: str | None = getattr(generator.source, "name", None)
    return name


def _is_anchored(source_name: str | None) -> bool:
    # Sources without a name, or opened from an absolute local path, have no
    # place in the storage's tree to mirror: their files go straight in the
    # cache directory.
    return source_name is None or os.path.isabs(source_name)


# Longest file or folder name most file systems accept, in bytes.
_MAX_COMPONENT_BYTES = 255


def _contained(path: str, root: str) -> bool:
    """Return whether normalised *path* lies inside *root* and every part fits."""
    root = os.path.normpath(root)
    if path != root and not path.startswith(root.rstrip(os.sep) + os.sep):
        return False
    parts = path.split(os.sep)
    # A UTF-8 character takes at most 4 bytes: short parts cannot be too long.
    if max(map(len, parts)) <= _MAX_COMPONENT_BYTES // 4:
        return True
    return all(len(part.encode("utf-8", "surrogatepass")) <= _MAX_COMPONENT_BYTES for part in parts)


def _safe(path: str, root: str, hashed: str) -> str:
    # Source names are user data: "../../settings.py", absolute paths or
    # 300-character file names must not put a cache file outside the cache
    # directory or make it impossible to save. Names that would are replaced
    # by the flat hashed name (which is unique: the hash covers the source
    # name). Ordinary names are left exactly as ImageKit makes them.
    if _contained(path, root):
        return path
    return os.path.normpath(os.path.join(root, hashed))


# Names already worked out: (namer, cache dir, source name, format, hash) -> name.
# A page asks for the same few names again and again; joining, normalising and
# checking paths costs more than the dictionary lookup.
_names: dict[tuple[Any, ...], str] = {}
_MAX_NAMES = 20000


def _memoized(namer: Callable[[Spec, str], str]) -> Namer:
    def named(generator: Spec) -> str:
        key = (
            namer,
            setting("IMAGEKIT_CACHEFILE_DIR"),
            _source_name(generator),
            generator.format,
            generator.get_hash(),
        )
        try:
            return _names[key]
        except (KeyError, TypeError):
            pass
        name = namer(generator, key[4])
        if len(_names) >= _MAX_NAMES:
            _names.clear()
        try:
            _names[key] = name
        except TypeError:  # an unhashable format: nothing to remember
            pass
        return name

    named.__name__ = namer.__name__.lstrip("_")
    named.__qualname__ = named.__name__
    named.__doc__ = namer.__doc__
    return named


def _source_name_as_path(generator: Spec, digest: str) -> str:
    """Mirror the source's path: ``photos/dog.jpg`` → ``CACHE/images/photos/dog/<hash>.jpg``."""
    source_name = _source_name(generator)
    root = directory = setting("IMAGEKIT_CACHEFILE_DIR")
    if not _is_anchored(source_name):
        # Not None: a source without a name is anchored.
        directory = os.path.join(directory, os.path.splitext(source_name)[0])  # type: ignore[type-var, arg-type]
    ext = suggest_extension(source_name or "", generator.format)
    filename = f"{digest}{ext}"
    return _safe(os.path.normpath(os.path.join(directory, filename)), root, filename)


def _source_name_dot_hash(generator: Spec, digest: str) -> str:
    """Keep the source's name: ``photos/dog.jpg`` → ``CACHE/images/photos/dog.<hash12>.jpg``."""
    source_name = _source_name(generator)
    root = directory = setting("IMAGEKIT_CACHEFILE_DIR")
    if not _is_anchored(source_name):
        # Not None: a source without a name is anchored.
        directory = os.path.join(directory, os.path.dirname(source_name))  # type: ignore[type-var, arg-type]
    ext = suggest_extension(source_name or "", generator.format)
    stem = os.path.splitext(os.path.basename(source_name or ""))[0]
    filename = f"{stem}.{digest[:12]}{ext}"
    return _safe(os.path.normpath(os.path.join(directory, filename)), root, f"{digest}{ext}")


source_name_as_path = _memoized(_source_name_as_path)
source_name_dot_hash = _memoized(_source_name_dot_hash)


def hash(generator: Spec) -> str:
    """Name by hash alone: ``CACHE/images/<hash>.<format extension>``."""
    fmt = getattr(generator, "format", None)
    ext = format_to_extension(fmt) if fmt else ""
    return os.path.normpath(
        os.path.join(setting("IMAGEKIT_CACHEFILE_DIR"), f"{generator.get_hash()}{ext}")
    )
