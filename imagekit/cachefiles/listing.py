"""List and delete the files of a storage below one folder, in bulk.

``cleanupimages`` needs each file's name, size and modification time. Asking
a storage for them one file at a time (``listdir`` then ``size`` and
``get_modified_time`` per file) costs two requests a file on S3, so:

* a local storage (one with ``path()``) is walked with ``os.scandir``;
* an S3-like storage (django-storages' ``S3Storage``: a ``bucket`` and
  ``_normalize_name``) is listed with ``ListObjectsV2``, a page of up to 1,000
  objects per request, each with its size and time; deletions go 1,000 to a
  ``DeleteObjects`` request;
* any other storage is walked with ``listdir``, and asked for sizes and
  times file by file.
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from django.core.files.storage import InMemoryStorage, Storage

__all__ = ["Entry", "delete_many", "list_files"]

#: Most keys S3 deletes in one request.
S3_DELETE_BATCH = 1000


@dataclass(frozen=True)
class Entry:
    """A file found in a storage: its name there, size in bytes, modification time."""

    name: str
    size: int | None
    modified: datetime | None


def _is_s3(storage: Storage) -> bool:
    return getattr(storage, "bucket_name", None) is not None and hasattr(storage, "_normalize_name")


def list_files(storage: Storage, folder: str) -> Iterator[Entry]:
    """Yield every file below *folder* (a storage name without a trailing slash)."""
    folder = posixpath.normpath(folder).strip("/")
    if _is_s3(storage):
        yield from _list_s3(storage, folder)
        return
    try:
        root = storage.path(folder)
    except NotImplementedError:
        root = None
    if root is None or isinstance(storage, InMemoryStorage):  # its paths name nothing on disk
        yield from _list_generic(storage, folder)
        return
    yield from _list_local(root, folder)


def _list_local(root: str, folder: str) -> Iterator[Entry]:
    pending = [(root, folder)]
    while pending:
        path, name = pending.pop()
        try:
            entries = list(os.scandir(path))
        except FileNotFoundError:
            continue
        for entry in sorted(entries, key=lambda e: e.name):
            child = f"{name}/{entry.name}"
            if entry.is_dir(follow_symlinks=False):
                pending.append((entry.path, child))
                continue
            try:
                stat = entry.stat(follow_symlinks=False)
            except FileNotFoundError:  # removed meanwhile
                continue
            yield Entry(child, stat.st_size, datetime.fromtimestamp(stat.st_mtime, timezone.utc))


def _list_s3(storage: Any, folder: str) -> Iterator[Entry]:
    from storages.utils import clean_name

    prefix = storage._normalize_name(clean_name(folder)).rstrip("/") + "/"
    location = storage._normalize_name("").rstrip("/")
    strip = len(location) + 1 if location else 0
    paginator = storage.connection.meta.client.get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=storage.bucket_name, Prefix=prefix):
        for item in page.get("Contents", ()):
            key = item["Key"]
            if key.endswith("/"):  # a "folder" marker some tools create
                continue
            yield Entry(key[strip:], item.get("Size"), item.get("LastModified"))


def _list_generic(storage: Storage, folder: str) -> Iterator[Entry]:
    pending = [folder]
    while pending:
        name = pending.pop()
        try:
            directories, files = storage.listdir(name)
        except (FileNotFoundError, NotImplementedError):
            continue
        pending.extend(f"{name}/{d}" for d in sorted(directories, reverse=True))
        for filename in sorted(files):
            child = f"{name}/{filename}"
            yield Entry(child, _ask(storage.size, child), _ask(storage.get_modified_time, child))


def _ask(method: Any, name: str) -> Any:
    try:
        return method(name)
    except (NotImplementedError, OSError):
        return None


def delete_many(storage: Storage, names: Sequence[str]) -> dict[str, str]:
    """Delete *names* from *storage*; return ``{name: error}`` for those that failed."""
    failed: dict[str, str] = {}
    if _is_s3(storage):
        from storages.utils import clean_name

        s3: Any = storage  # django-storages' S3Storage, whose internals have no types
        client = s3.connection.meta.client
        for start in range(0, len(names), S3_DELETE_BATCH):
            batch = names[start : start + S3_DELETE_BATCH]
            keys = {s3._normalize_name(clean_name(name)): name for name in batch}
            try:
                answer = client.delete_objects(
                    Bucket=s3.bucket_name,
                    Delete={"Objects": [{"Key": key} for key in keys], "Quiet": True},
                )
            except Exception as exc:  # noqa: BLE001 - reported per file by the caller
                failed.update((name, f"{type(exc).__name__}: {exc}") for name in batch)
                continue
            for error in answer.get("Errors", ()):
                name = keys.get(error.get("Key"), error.get("Key"))
                failed[name] = f"{error.get('Code')}: {error.get('Message')}"
        return failed
    for name in names:
        try:
            storage.delete(name)
        except FileNotFoundError:
            pass
        except Exception as exc:  # noqa: BLE001 - reported per file by the caller
            failed[name] = f"{type(exc).__name__}: {exc}"
    return failed
