"""Image processors: pilkit's own classes, re-exported.

They are the very same objects as in ``pilkit.processors`` (not copies), so
spec hashes, and therefore cache file names, match ImageKit's.
"""

from pilkit.processors import (
    AddBorder,
    Adjust,
    Anchor,
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
    Side,
    SmartCrop,
    SmartResize,
    Thumbnail,
    Transpose,
    TrimBorderColor,
    base,
    convert,
    crop,
    detect_border_color,
    filter,
    getattrsafe,
    histogram_entropy,
    overlay,
    resize,
    resolve_palette,
    utils,
)

__all__ = [
    "AddBorder",
    "Adjust",
    "Anchor",
    "Crop",
    "MakeOpaque",
    "ProcessorPipeline",
    "Reflection",
    "Resize",
    "ResizeCanvas",
    "ResizeToCover",
    "ResizeToFill",
    "ResizeToFit",
    "SmartCrop",
    "SmartResize",
    "Thumbnail",
    "Transpose",
    "TrimBorderColor",
]

# Reachable as attributes, as in ImageKit, but not part of ``import *``.
# ImageKit star-imported pilkit.processors, so pilkit's submodules came along:
# ``imagekit.processors.resize`` is pilkit's module until the deprecated shim
# ``imagekit.processors.resize`` is imported, which then takes its place.
_EXTRAS = (
    ColorOverlay,
    Convert,
    GaussianBlur,
    Side,
    base,
    convert,
    crop,
    detect_border_color,
    filter,
    getattrsafe,
    histogram_entropy,
    overlay,
    resize,
    resolve_palette,
    utils,
)
