"""File classes: a storage-backed file without a model, and named content."""

from __future__ import annotations

import mimetypes
import os
from typing import TYPE_CHECKING, Any

from django.core.files.base import ContentFile, File
from django.core.files.storage import Storage
from pilkit.utils import format_to_mimetype

from ._typing import alters_data

__all__ = ["BaseIKFile", "IKContentFile"]

if TYPE_CHECKING:
    # Generic in django-stubs only: Django's classes take no type arguments.
    _BinaryFile = File[bytes]
    _BinaryContentFile = ContentFile[Any]  # bytes or str, as ContentFile takes
else:
    _BinaryFile = File
    _BinaryContentFile = ContentFile


class BaseIKFile(_BinaryFile):
    """A file in a storage, with ``FieldFile``'s behaviour but no model.

    ``file`` is opened from the storage on first use; ``url``, ``path`` and
    ``size`` come from the storage.
    """

    def __init__(self, storage: Storage):
        self.storage = storage

    def _require_file(self) -> None:
        if not self:
            raise ValueError(f"The {type(self).__name__} has no file associated with it.")

    def _get_file(self) -> File[Any]:
        self._require_file()
        if getattr(self, "_file", None) is None:
            self._file = self.storage.open(self.name, "rb")  # type: ignore[arg-type]  # named
        return self._file

    def _set_file(self, file: File[Any]) -> None:
        self._file = file

    def _del_file(self) -> None:
        del self._file

    file = property(_get_file, _set_file, _del_file)

    @property
    def path(self) -> str:
        self._require_file()
        return self.storage.path(self.name)  # type: ignore[arg-type]  # named: checked above

    @property
    def url(self) -> str:
        self._require_file()
        return self.storage.url(self.name)

    @property
    def size(self) -> int:
        """The file's size in bytes (opens the file to find out)."""
        self._require_file()
        size: int = self.file.size
        return size

    @alters_data
    def open(self, mode: str = "rb") -> BaseIKFile:  # type: ignore[override]  # like FieldFile
        self._require_file()
        try:
            self.file.open(mode)
        except ValueError:
            # The loaded file object cannot be reopened (e.g. generated
            # content that was closed): get a fresh one from the storage.
            self.file = self.storage.open(self.name, mode)  # type: ignore[arg-type]  # named
        return self

    @property
    def closed(self) -> bool:
        file = getattr(self, "_file", None)
        return file is None or file.closed

    def close(self) -> None:
        file = getattr(self, "_file", None)
        if file is not None:
            file.close()


class IKContentFile(_BinaryContentFile):
    """In-memory content with a name and a ``content_type``.

    The content type comes from *format* (a PIL format name) when given,
    otherwise from the file name's extension.
    """

    def __init__(self, filename: str, content: bytes | str, format: str | None = None):
        super().__init__(content, name=filename)
        mimetype = format_to_mimetype(format) if format else None
        if not mimetype:
            ext = os.path.splitext(filename or "")[1]
            mimetype = mimetypes.guess_type(f"x{ext}")[0] if ext else None
        self.content_type = mimetype
        self.file.content_type = mimetype  # type: ignore[attr-defined]

    def __str__(self) -> str:
        return self.name or ""
