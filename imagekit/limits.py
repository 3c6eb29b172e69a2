"""Pixel caps: how big a source may be, and how big an output may grow.

Two limits keep the memory a spec uses bounded whatever it is given:

* the **source cap** (``IMAGEKIT_MAX_IMAGE_PIXELS`` or a spec's
  ``max_image_pixels``) holds for every image Pillow meets while opening and
  decoding a source, not only the size the file declares first: the icons
  inside an ICO or ICNS file, the frames of a GIF, WebP or MPO, a TIFF's
  pages and tiles. Pillow checks each of those sizes itself (against its own
  global ``MAX_IMAGE_PIXELS``) before it allocates them; while a spec decodes,
  :func:`source_cap` makes those same checks refuse anything over the spec's
  cap, in that thread or task only.
* the **output cap** (``IMAGEKIT_MAX_OUTPUT_PIXELS`` or a spec's
  ``max_output_pixels``) bounds what the processors make. The sizes the
  known processors (pilkit's resizes, crops, canvases, borders, transposes)
  produce are worked out from the source's header before any pixel is
  decoded, intermediate steps included; a processor imagekit does not know
  is checked on its result instead. An image no larger than its source is
  always allowed: the source cap already bounds it.
"""

from __future__ import annotations

import contextlib
import contextvars
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

from PIL import Image
from pilkit.processors import (
    AddBorder,
    Adjust,
    ColorOverlay,
    Convert,
    Crop,
    GaussianBlur,
    MakeOpaque,
    ProcessorPipeline,
    Reflection,
    Resize,
    ResizeCanvas,
    ResizeToCover,
    ResizeToFill,
    ResizeToFit,
    SmartCrop,
    SmartResize,
    Thumbnail,
    Transpose,
    TrimBorderColor,
)

from .conf import setting
from .exceptions import OutputTooLarge, SourceImageError
from .jpeg_reduction import _swaps as quarter_turned
from .orientation import ExifOrientation

if TYPE_CHECKING:
    from ._typing import Processor

__all__ = [
    "check_declared",
    "check_output",
    "output_cap",
    "run_processors",
    "source_cap",
    "source_limit",
]

Size = tuple[int, int]


# --- the source cap, while Pillow opens and decodes -------------------------

_cap: contextvars.ContextVar[int | None] = contextvars.ContextVar("imagekit_source_cap")
_pillow_check: Callable[..., None] | None = None
_install_lock = threading.Lock()


class _OverCap(SourceImageError):
    """Raised inside Pillow when an image it meets is over the spec's cap."""

    def __init__(self, size: Size, cap: int):
        self.size, self.cap = size, cap
        super().__init__(f"an image of {size[0]}x{size[1]} pixels inside it")


def _refuse(size: Size, cap: int) -> None:
    # Chained to Pillow's own refusal when Pillow would refuse it too.
    try:
        if _pillow_check is not None:
            _pillow_check(size, error_only=True)
    except Image.DecompressionBombError as exc:
        raise _OverCap(size, cap) from exc
    raise _OverCap(size, cap)


def _checked(size: Any, *args: Any, **kwargs: Any) -> None:
    cap = _cap.get(None)
    if cap:
        # The spec's cap is the one that counts (it may be above Pillow's).
        width, height = max(1, int(size[0])), max(1, int(size[1]))
        if width * height > cap:
            _refuse((width, height), cap)
        return
    assert _pillow_check is not None
    _pillow_check(size, *args, **kwargs)


def _install() -> None:
    """Route Pillow's size checks through :func:`_checked` (once per process).

    Outside :func:`source_cap` it does exactly what Pillow's own check does,
    so other code in the process sees no difference.
    """
    global _pillow_check  # noqa: PLW0603 - installed once per process
    if _pillow_check is not None:
        return
    with _install_lock:
        original = getattr(Image, "_decompression_bomb_check", None)
        if original is None or original is _checked:  # no hook, or installed meanwhile
            return
        _pillow_check = original
        Image._decompression_bomb_check = _checked


def source_limit(spec: object) -> int | None:
    """Return the source cap for *spec*: its ``max_image_pixels``, the setting or Pillow's."""
    limit = getattr(spec, "max_image_pixels", None) or setting("IMAGEKIT_MAX_IMAGE_PIXELS")
    if limit is None:
        limit = Image.MAX_IMAGE_PIXELS
    return limit or None


@contextlib.contextmanager
def source_cap(limit: int | None, describe: Callable[[Size, int], str]) -> Iterator[None]:
    """Refuse, with ``SourceImageError(describe(size, limit))``, any image over *limit*.

    Holds for every size Pillow checks while the block runs (in this thread
    or task only).
    """
    _install()
    token = _cap.set(limit)
    try:
        yield
    except _OverCap as exc:
        raise SourceImageError(describe(exc.size, exc.cap)) from exc.__cause__
    finally:
        _cap.reset(token)


def check_declared(size: Size) -> None:
    """Check the size a file declares against the cap of :func:`source_cap`.

    Pillow's ``Image.open`` checks it too; this holds even where it does not.
    """
    cap = _cap.get(None)
    if cap and max(1, size[0]) * max(1, size[1]) > cap:
        _refuse((max(1, size[0]), max(1, size[1])), cap)


# --- the output cap ----------------------------------------------------------


def output_cap(spec: object) -> tuple[int | None, str]:
    """Return the output cap for *spec* and where it comes from (for messages)."""
    cap = getattr(spec, "max_output_pixels", None)
    if cap:
        return cap, "its max_output_pixels"
    return setting("IMAGEKIT_MAX_OUTPUT_PIXELS"), "IMAGEKIT_MAX_OUTPUT_PIXELS"


# Processors that keep the size of the image they are given (or make it smaller).
_SAME_SIZE = (Adjust, ColorOverlay, Convert, GaussianBlur, MakeOpaque, TrimBorderColor)


def _resize(processor: Any, size: Size, width: int, height: int) -> Size:
    # pilkit's Resize: without upscale, only an image larger on both sides changes.
    upscale = getattr(processor, "upscale", True)
    if upscale or (width < size[0] and height < size[1]):
        return width, height
    return size


def _cover(size: Size, width: int, height: int, upscale: Any) -> Size:
    ratio = max(float(width) / size[0], float(height) / size[1])
    target = round(size[0] * ratio), round(size[1] * ratio)
    if upscale or (target[0] < size[0] and target[1] < size[1]):
        return target
    return size


def _fit(size: Size, width: Any, height: Any, upscale: Any) -> Size:
    if width is not None and height is not None:
        ratio = min(float(width) / size[0], float(height) / size[1])
    elif width is None:
        ratio = float(height) / size[1]
    else:
        ratio = float(width) / size[0]
    target = round(size[0] * ratio), round(size[1] * ratio)
    if upscale or (target[0] < size[0] and target[1] < size[1]):
        return target
    return size


def _fill(size: Size, width: int, height: int, upscale: Any) -> list[Size]:
    covered = _cover(size, width, height, upscale)
    return [covered, (min(covered[0], width), min(covered[1], height))]


def _thumbnail(p: Any, size: Size, image: Any) -> list[Size]:
    if p.crop:
        return _fill(size, p.width, p.height, p.upscale)
    return [_fit(size, p.width, p.height, p.upscale)]


def _fit_matted(p: Any, size: Size, image: Any) -> list[Size]:
    fitted = _fit(size, p.width, p.height, p.upscale)
    return [fitted] if p.mat_color is None else [fitted, (p.width, p.height)]


def _pipeline(p: Any, size: Size, image: Any) -> list[Size] | None:
    sizes, complete = plan(p, size, image)
    return [step for step, _inner in sizes] if complete else None


def _turned(size: Size, swaps: Any) -> list[Size]:
    return [(size[1], size[0]) if swaps else size]


# How each known processor (exact types: a subclass may size differently)
# sizes what it is given: the sizes it makes, in order.
_SIZERS: dict[type, Callable[[Any, Size, Any], list[Size] | None]] = {
    **dict.fromkeys(_SAME_SIZE, lambda p, size, image: [size]),
    ExifOrientation: lambda p, size, image: _turned(size, p.swaps(image)),
    Transpose: lambda p, size, image: _turned(size, quarter_turned(p, image)),
    ProcessorPipeline: _pipeline,
    Resize: lambda p, size, image: [_resize(p, size, p.width, p.height)],
    ResizeToCover: lambda p, size, image: [_cover(size, p.width, p.height, p.upscale)],
    ResizeToFill: lambda p, size, image: _fill(size, p.width, p.height, p.upscale),
    SmartResize: lambda p, size, image: _fill(size, p.width, p.height, p.upscale),
    ResizeToFit: _fit_matted,
    Thumbnail: _thumbnail,
    Crop: lambda p, size, image: [(min(size[0], p.width), min(size[1], p.height))],
    SmartCrop: lambda p, size, image: [(min(size[0], p.width), min(size[1], p.height))],
    ResizeCanvas: lambda p, size, image: [(p.width, p.height)],
    AddBorder: lambda p, size, image: [(size[0] + p.left + p.right, size[1] + p.top + p.bottom)],
    Reflection: lambda p, size, image: [(size[0], size[1] + int(size[1] * float(p.size)))],
}


def _steps(processor: Any, size: Size, image: Any) -> list[Size] | None:
    """Return the sizes *processor* makes from *size*, in order, or None if unknown."""
    sizer = _SIZERS.get(type(processor))
    return None if sizer is None else sizer(processor, size, image)


def plan(
    processors: Iterable[Processor], size: Size, image: Any = None
) -> tuple[list[tuple[Size, Any]], bool]:
    """Return the sizes *processors* make from *size* (with the processor making
    each), and whether that is all of them.

    The sizes stop at the first processor whose size is not known. A
    processor given arguments pilkit itself would fail on is "not known": it
    fails in the same way when it runs. An EXIF orientation that cannot be
    read before decoding (a PNG whose ``eXIf`` chunk follows the pixels) is
    planned as unturned, and the plan said incomplete.
    """
    sizes: list[tuple[Size, Any]] = []
    complete = True
    for processor in processors:
        if type(processor) is ExifOrientation and processor.swaps(image) is None:
            complete = False
        try:
            steps = _steps(processor, size, image)
        except (TypeError, ValueError, ZeroDivisionError, AttributeError):
            steps = None
        if steps is None:
            return sizes, False
        sizes.extend((step, processor) for step in steps)
        if steps:
            size = steps[-1]
    return sizes, complete


def _processor_label(processor: Any) -> str:
    label = type(processor).__name__
    width, height = getattr(processor, "width", None), getattr(processor, "height", None)
    if width is not None or height is not None:
        label += f"({width}, {height})"
    return label


def _refusal(
    describe: str, size: Size, processor: Any, source: Size, cap: int, origin: str
) -> OutputTooLarge:
    return OutputTooLarge(
        f"{describe}: its processor {_processor_label(processor)} would make an image of "
        f"{size[0]}x{size[1]} pixels ({size[0] * size[1]}) from the {source[0]}x{source[1]} "
        f"source, more than the {cap} that {origin} allows (an output as large as its source "
        "is always allowed)."
    )


def check_output(
    spec: object, processors: Iterable[Processor], image: Image.Image, describe: str
) -> bool:
    """Refuse, before decoding, processors that would grow *image* past the output cap.

    *image* is opened but not decoded; *describe* names the spec and source.
    Return whether every size was known in advance (if not, check the results
    with :func:`run_processors`).
    """
    cap, origin = output_cap(spec)
    if not cap:
        return True
    source = image.size
    sizes, complete = plan(processors, source, image)
    allowed = max(cap, source[0] * source[1])
    for size, processor in sizes:
        if max(size[0], 1) * max(size[1], 1) > allowed:
            raise _refusal(describe, size, processor, source, cap, origin)
    return complete


def run_processors(
    spec: object,
    processors: Iterable[Processor],
    image: Image.Image,
    describe: str,
    checked: bool,
) -> Image.Image:
    """Run *processors* on *image*; unless *checked*, refuse each result over the cap."""
    cap, origin = output_cap(spec)
    source = image.size
    allowed = max(cap, source[0] * source[1]) if cap else None
    for processor in processors:
        image = processor.process(image)
        if not checked and allowed is not None:
            size = image.size
            if size[0] * size[1] > allowed:
                raise _refusal(describe, size, processor, source, cap, origin)  # type: ignore[arg-type]
    return image
