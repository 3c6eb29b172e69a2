"""Check the values that specs and template tags are given, and say what is wrong.

Each check names the value and where it came from (``origin``: a tag
argument, a spec attribute, a setting), so that a typo in a template or a
spec is an error that points at itself, rather than a ``KeyError`` from
Pillow or a ``ValueError: could not convert string to float`` from pilkit.
"""

from __future__ import annotations

import difflib
import math
import warnings
from collections.abc import Mapping
from typing import Any

from PIL import Image

from .exceptions import UnknownFormat

__all__ = ["ANCHORS", "UnknownOptionWarning", "check_anchor", "check_format", "check_options"]

#: The anchors ``Thumbnail`` (pilkit) understands by name; a pair of numbers
#: ``(x, y)`` from 0 to 1 places the crop anywhere.
ANCHORS = ("auto", "c", "t", "b", "l", "r", "tl", "tr", "bl", "br")

# Names people write for formats Pillow knows by another name.
_FORMAT_ALIASES = {"JPG": "JPEG", "TIF": "TIFF"}

# The save() options Pillow reads, per format, for the formats sites use most.
# Pillow ignores any other key silently; a key outside these is most likely
# a typo ("qualty"). Formats not listed here are not checked.
_COMMON = {"dpi", "icc_profile", "exif", "xmp"}
_OPTIONS = {
    "JPEG": _COMMON
    | {
        "quality",
        "optimize",
        "progressive",
        "progression",
        "subsampling",
        "qtables",
        "keep_rgb",
        "restart_marker_blocks",
        "restart_marker_rows",
        "smooth",
        "streamtype",
        "comment",
    },
    "PNG": _COMMON
    | {"optimize", "compress_level", "compress_type", "pnginfo", "transparency", "bits"}
    | {"dictionary", "save_all", "append_images", "duration", "loop", "disposal", "blend"},
    "WEBP": _COMMON
    | {"quality", "lossless", "method", "exact", "alpha_quality", "minimize_size"}
    | {"kmin", "kmax", "allow_mixed", "save_all", "append_images", "duration", "loop"}
    | {"background"},
    "GIF": {"optimize", "transparency", "duration", "loop", "disposal", "palette"}
    | {"comment", "save_all", "append_images", "include_color_table", "interlace"}
    | {"background"},
}


class UnknownOptionWarning(UserWarning):
    """A spec's ``options`` hold a key that Pillow does not read for its format."""


def check_format(fmt: Any, origin: str) -> None:
    """Raise :class:`~imagekit.exceptions.UnknownFormat` unless Pillow can write *fmt*.

    None (keep the source's format) is fine; names are compared as Pillow
    compares them, without regard to case.
    """
    if fmt is None:
        return
    if not isinstance(fmt, str):
        raise UnknownFormat(f"{origin}: {fmt!r} is not a format name such as 'JPEG'.")
    Image.init()
    if fmt.upper() in Image.SAVE:
        return
    known = sorted(Image.SAVE)
    guess = _FORMAT_ALIASES.get(fmt.upper()) or next(
        iter(difflib.get_close_matches(fmt.upper(), known, n=1)), None
    )
    hint = f" Did you mean {guess!r}?" if guess else ""
    raise UnknownFormat(
        f"{origin}: {fmt!r} is not an image format Pillow can write.{hint} "
        f"Pillow writes: {', '.join(known)}."
    )


def check_anchor(anchor: Any, origin: str) -> None:
    """Raise ``ValueError`` unless *anchor* is one ``Thumbnail`` understands (or None)."""
    if anchor is None or anchor in ANCHORS:
        return
    if isinstance(anchor, (tuple, list)) and len(anchor) == 2:  # noqa: PLR2004 - (x, y)
        try:
            x, y = (float(value) for value in anchor)
        except (TypeError, ValueError):
            pass
        else:
            if all(math.isfinite(v) and 0 <= v <= 1 for v in (x, y)):
                return
    raise ValueError(
        f"{origin}: {anchor!r} is not an anchor; use one of "
        f"{', '.join(repr(a) for a in ANCHORS)}, or an (x, y) pair of numbers from 0 to 1."
    )


def check_options(options: Any, fmt: Any, origin: str) -> None:
    """Warn (:class:`UnknownOptionWarning`) about *options* keys Pillow ignores for *fmt*."""
    if not isinstance(options, Mapping) or not isinstance(fmt, str):
        return
    known = _OPTIONS.get(fmt.upper())
    if known is None:
        return
    for key in options:
        if key not in known:
            guess = next(iter(difflib.get_close_matches(str(key), sorted(known), n=1)), None)
            hint = f" (did you mean {guess!r}?)" if guess else ""
            warnings.warn(
                f"{origin}: Pillow ignores the option {key!r} when it writes {fmt.upper()}{hint}.",
                UnknownOptionWarning,
                stacklevel=3,
            )
