"""Deprecated: import these processors from :mod:`imagekit.processors`."""

import warnings

from pilkit.processors.resize import (
    AddBorder,
    Resize,
    ResizeCanvas,
    ResizeToCover,
    ResizeToFill,
    ResizeToFit,
    SmartResize,
    Thumbnail,
)

__all__ = [
    "AddBorder",
    "Resize",
    "ResizeCanvas",
    "ResizeToCover",
    "ResizeToFill",
    "ResizeToFit",
    "SmartResize",
    "Thumbnail",
]

warnings.warn(
    "imagekit.processors.resize is deprecated; use imagekit.processors instead.",
    DeprecationWarning,
    stacklevel=2,
)
