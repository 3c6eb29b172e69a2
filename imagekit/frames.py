"""Animated GIF and WebP sources: every frame through the processors.

An animated GIF or WebP made into GIF or WebP keeps its animation: each
frame (as Pillow composes it, the full canvas) goes through the spec's
processors, and the output keeps each frame's duration and the loop count.
Made into any other format (JPEG, PNG...), the first frame is used, as
ImageKit always did.

The work is bounded in the output cap's spirit: at most
``IMAGEKIT_MAX_OUTPUT_FRAMES`` frames, and at most the output cap
(``IMAGEKIT_MAX_OUTPUT_PIXELS`` or the spec's ``max_output_pixels``) in all
output frames together. An animation over either is made from its first
frame only (what ImageKit made), and a warning says so. Frames are decoded one
at a time under the source cap.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any

from .conf import setting
from .utils import get_logger

if TYPE_CHECKING:
    from PIL import Image

__all__ = ["ANIMATED_FORMATS", "keeps_animation", "process_frames"]

ANIMATED_FORMATS = frozenset({"GIF", "WEBP"})
# What a frame without a duration shows for (ms), as browsers do for GIFs.
_DEFAULT_DURATION = 100

logger = get_logger()


def keeps_animation(image: Image.Image, fmt: str | None) -> bool:
    """Return whether *image* (opened, first frame decoded) is made into an animated *fmt*."""
    if (fmt or "").upper() not in ANIMATED_FORMATS or image.format not in ANIMATED_FORMATS:
        return False
    max_frames = setting("IMAGEKIT_MAX_OUTPUT_FRAMES")
    if max_frames is not None and max_frames <= 1:  # animation turned off
        return False
    return bool(getattr(image, "is_animated", False))


def process_frames(
    image: Image.Image,
    run: Callable[[Image.Image], Image.Image],
    decoding: Callable[[], AbstractContextManager[Any]],
    pixel_budget: int | None,
    describe: str,
) -> tuple[Image.Image, dict[str, Any]] | None:
    """Run every frame of *image* through *run*; return the first and the save options.

    *decoding* returns the context (the source cap) each frame is decoded in.
    When the animation is over the frame or pixel budget, log a warning and
    return None: the caller makes the first frame as for a still image.
    """
    max_frames = setting("IMAGEKIT_MAX_OUTPUT_FRAMES")
    loop = image.info.get("loop")
    # A WebP says how many frames it has without decoding them (a GIF does not).
    count = image.n_frames if image.format == "WEBP" else None  # type: ignore[attr-defined]
    if count and max_frames is not None and count > max_frames:
        _first_only(describe, f"more than {max_frames} frames")
        return None
    frames: list[Image.Image] = []
    durations: list[int] = []
    total = 0
    index = 0
    while True:
        with decoding():
            if index:
                try:
                    image.seek(index)
                except EOFError:
                    break
            if max_frames is not None and index >= max_frames:
                _first_only(describe, f"more than {max_frames} frames")
                return None
            frame = image.copy()
            duration = image.info.get("duration") or _DEFAULT_DURATION
        frame = frame.convert("RGBA") if frame.mode != "RGBA" else frame
        out = run(frame)
        pixels = out.size[0] * out.size[1]
        total += pixels
        # Frames all have the canvas's size: a WebP's total is known from the first.
        if pixel_budget and (pixels * count if count else total) > pixel_budget:
            _first_only(describe, f"more than {pixel_budget} pixels in all frames")
            return None
        frames.append(out)
        durations.append(int(duration))
        index += 1
    if len(frames) < 2:  # noqa: PLR2004 - one frame is not an animation
        return frames[0], {}
    options: dict[str, Any] = {
        "save_all": True,
        "append_images": frames[1:],
        "duration": durations,
    }
    if loop is not None:
        options["loop"] = loop
    return frames[0], options


def _first_only(describe: str, reason: str) -> None:
    logger.warning("%s: the animation has %s; only its first frame is made.", describe, reason)


def save_options_for(fmt: str, options: dict[str, Any]) -> dict[str, Any]:
    """Adapt the animation *options* to *fmt* (GIF: each frame replaces the last)."""
    if not options:
        return options
    options = dict(options)
    if fmt.upper() == "GIF":
        # Each frame is a whole canvas: clear the last before drawing it.
        options.setdefault("disposal", 2)
    elif "loop" not in options:
        options["loop"] = 1  # a GIF without a loop count plays once
    return options
