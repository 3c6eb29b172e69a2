"""Decode JPEG sources at a reduced scale when the result cannot tell.

Decoding a 24-megapixel JPEG to make a 100x50 thumbnail spends almost all of
its time and memory on pixels that the first resize throws away. libjpeg can
decode at 1/2, 1/4 or 1/8 scale directly from the DCT coefficients (Pillow's
``Image.draft``), which is several times faster and uses a fraction of the
memory.

It is only done when the processors could not tell the difference:

* the chain starts (after processors that do not depend on the image's
  scale, such as ``Transpose`` or ``Adjust``) with a resize of a known kind
  (``Resize``, ``ResizeToFit``, ``ResizeToFill``, ``ResizeToCover``,
  ``SmartResize``, ``Thumbnail``): exact types only, as subclasses may behave
  differently;
* the reduced image divides the source exactly and is still at least twice
  the size that resize produces, so no detail the output can show is lost;
* the resize computes exactly the same intermediate size from the reduced
  image as from the full one, so output sizes and crop positions are
  unchanged.

Anything else is decoded at full size, as before.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from PIL import Image
from pilkit.processors import (
    Adjust,
    MakeOpaque,
    Resize,
    ResizeToCover,
    ResizeToFill,
    ResizeToFit,
    SmartResize,
    Thumbnail,
    Transpose,
)

from .orientation import ExifOrientation

if TYPE_CHECKING:
    from ._typing import Processor

__all__ = ["reduce_for"]

_SCALES = (8, 4, 2)
# The reduced image must be at least this many times the resize's output.
_MARGIN = 2
_ORIENTATION = 0x0112
_SWAPPING_ORIENTATIONS = {5, 6, 7, 8}
_SWAPPING_METHODS = {Image.Transpose.ROTATE_90, Image.Transpose.ROTATE_270}

Geometry = Callable[[int, int], tuple[int, int] | None]


def _cover(width: int, height: int) -> Geometry:
    def geometry(w: int, h: int) -> tuple[int, int]:
        ratio = max(float(width) / w, float(height) / h)
        return round(w * ratio), round(h * ratio)

    return geometry


def _fit(width: int | None, height: int | None) -> Geometry | None:
    if width is None and height is None:
        return None

    def geometry(w: int, h: int) -> tuple[int, int]:
        if width is not None and height is not None:
            ratio = min(float(width) / w, float(height) / h)
        elif width is None:
            ratio = float(height) / h  # type: ignore[arg-type]  # not both None
        else:
            ratio = float(width) / w
        return round(w * ratio), round(h * ratio)

    return geometry


def _fixed(width: int, height: int) -> Geometry:
    return lambda w, h: (width, height)


def _both(processor: Any) -> bool:
    return bool(processor.width) and bool(processor.height)


def _geometry(processor: Any) -> Geometry | None:
    """Return how *processor* sizes its first resize, if it is one we know."""
    kind = type(processor)
    if kind is Resize and _both(processor):
        return _fixed(processor.width, processor.height)
    if kind in (ResizeToCover, ResizeToFill, SmartResize) and _both(processor):
        return _cover(processor.width, processor.height)
    if kind is ResizeToFit:
        return _fit(processor.width, processor.height)
    if kind is Thumbnail:
        if processor.crop:
            return _cover(processor.width, processor.height) if _both(processor) else None
        return _fit(processor.width, processor.height)
    return None


def _swaps(processor: Transpose, image: Image.Image) -> bool:
    """Return whether *processor* turns the image by a quarter."""
    if Transpose.AUTO in processor.methods:
        try:
            orientation = image.getexif().get(_ORIENTATION)
        except (AttributeError, OSError, ValueError):  # unreadable EXIF: pilkit skips it
            return False
        return orientation in _SWAPPING_ORIENTATIONS
    return sum(method in _SWAPPING_METHODS for method in processor.methods) % 2 == 1


def reduce_for(image: Image.Image, processors: Iterable[Processor]) -> bool:
    """Ask Pillow to decode *image* at a reduced scale if *processors* allow it.

    Return whether it did. Must be called before the image is loaded.
    """
    if getattr(image, "format", None) != "JPEG" or len(getattr(image, "tile", ())) != 1:
        return False
    width, height = image.size
    swapped = False
    geometry = None
    for processor in processors:
        kind = type(processor)
        if kind is Transpose:
            swapped ^= _swaps(processor, image)
        elif kind is ExifOrientation:  # imagekit's default first step
            swaps = processor.swaps(image)  # type: ignore[attr-defined]  # an ExifOrientation
            if swaps is None:
                return False
            swapped ^= swaps
        elif kind not in (Adjust, MakeOpaque):
            geometry = _geometry(processor)
            break
    if geometry is None:
        return False

    def oriented(w: int, h: int) -> tuple[int, int]:
        return (h, w) if swapped else (w, h)

    full = geometry(*oriented(width, height))
    if full is None or min(full) < 1:
        return False
    for scale in _SCALES:
        if width % scale or height % scale:
            continue
        reduced = oriented(width // scale, height // scale)
        if reduced[0] < _MARGIN * full[0] or reduced[1] < _MARGIN * full[1]:
            continue
        if geometry(*reduced) != full:
            continue
        image.draft(image.mode, (width // scale, height // scale))
        return image.size == (width // scale, height // scale)
    return False
