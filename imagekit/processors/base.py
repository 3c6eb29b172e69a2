"""Deprecated: import these processors from :mod:`imagekit.processors`."""

import warnings

from pilkit.processors.base import (
    Adjust,
    Anchor,
    MakeOpaque,
    ProcessorPipeline,
    Reflection,
    Transpose,
)

__all__ = ["Adjust", "Anchor", "MakeOpaque", "ProcessorPipeline", "Reflection", "Transpose"]

warnings.warn(
    "imagekit.processors.base is deprecated; use imagekit.processors instead.",
    DeprecationWarning,
    stacklevel=2,
)
