"""Deprecated: import these processors from :mod:`imagekit.processors`."""

import warnings

from pilkit.processors.crop import Crop, Side, SmartCrop, TrimBorderColor, detect_border_color

__all__ = ["Crop", "Side", "SmartCrop", "TrimBorderColor", "detect_border_color"]

warnings.warn(
    "imagekit.processors.crop is deprecated; use imagekit.processors instead.",
    DeprecationWarning,
    stacklevel=2,
)
