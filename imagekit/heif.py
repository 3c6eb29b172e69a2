"""HEIC/HEIF sources (what iPhones upload), through the optional ``heif`` extra.

Pillow cannot read HEIF by itself; the maintained plugin ``pillow-heif`` can.
Install it with ``pip install "imagekit[heif]"``. It is registered with
Pillow the first time a source looks like HEIF (its ``ftyp`` box names a
HEIF brand), not at start-up, so processes that never see one never load
libheif. Without the plugin, such a source is refused with a
``SourceImageError`` that says which extra to install.
"""

from __future__ import annotations

import threading
from typing import IO

from .pkgmeta import __title__

__all__ = ["INSTALL_HINT", "looks_like_heif", "missing_plugin", "prepare", "register"]

#: What to run to read HEIC/HEIF sources.
INSTALL_HINT = f'pip install "{__title__}[heif]"'

# Brands of the ISO base media file format that are HEIF images or sequences
# (ISO/IEC 23008-12). "mif1"/"msf1" are generic, also used by AVIF files,
# which Pillow reads itself; those are only refused once Pillow has failed.
_HEIF_BRANDS = frozenset({b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs"})
_GENERIC_BRANDS = frozenset({b"mif1", b"msf1"})
_HEAD = 32

_registered: bool | None = None  # None: not tried yet
_lock = threading.Lock()


def _head(stream: IO[bytes]) -> bytes:
    try:
        position = stream.tell()
        stream.seek(0)
        head = stream.read(_HEAD)
        stream.seek(position)
    except (AttributeError, OSError, ValueError):
        return b""
    return head if isinstance(head, bytes) else b""


def looks_like_heif(head: bytes, generic: bool = True) -> bool:
    """Return whether *head* (a file's first bytes) starts a HEIF file."""
    if len(head) < 12 or head[4:8] != b"ftyp":  # noqa: PLR2004 - box size, type, brand
        return False
    brand = head[8:12]
    return brand in _HEIF_BRANDS or (generic and brand in _GENERIC_BRANDS)


def register() -> bool:
    """Register pillow-heif's opener with Pillow (once); return whether it is installed."""
    global _registered  # noqa: PLW0603 - once per process
    if _registered is None:
        with _lock:
            if _registered is None:
                try:
                    from pillow_heif import register_heif_opener
                except ImportError:
                    _registered = False
                else:
                    register_heif_opener()
                    _registered = True
    return _registered


def prepare(stream: IO[bytes]) -> bool:
    """Get Pillow ready to open *stream*; return False if it is HEIF and cannot be read.

    The stream's position is kept.
    """
    head = _head(stream)
    if not looks_like_heif(head):
        return True
    return register() or not looks_like_heif(head, generic=False)


def missing_plugin(stream: IO[bytes]) -> bool:
    """Return whether *stream* is HEIF and the plugin to read it is not installed."""
    return looks_like_heif(_head(stream)) and not register()
