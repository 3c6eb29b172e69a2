"""Deprecated: import these helpers from :mod:`pilkit.processors.utils`."""

import warnings

from pilkit.processors.utils import color_count, histogram_entropy, resolve_palette

__all__ = ["color_count", "histogram_entropy", "resolve_palette"]

warnings.warn(
    "imagekit.processors.utils is deprecated; use pilkit.processors.utils instead.",
    DeprecationWarning,
    stacklevel=2,
)
