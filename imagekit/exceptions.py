"""Exceptions raised by imagekit.

``UnknownExtension`` and ``UnknownFormat`` are pilkit's own classes, so code that
catches them from either package keeps working.
"""

from __future__ import annotations

from pilkit.exceptions import UnknownExtension, UnknownFormat

__all__ = [
    "AlreadyRegistered",
    "MissingGeneratorId",
    "MissingSource",
    "MissingSourceFile",
    "NotRegistered",
    "SourceImageError",
    "UnknownExtension",
    "UnknownExtensionError",
    "UnknownFormat",
    "UnknownFormatError",
]


class AlreadyRegistered(Exception):
    """A different generator is already registered under this id."""


class NotRegistered(LookupError):
    """No generator is registered under this id.

    Compatibility: a subclass of ``Exception`` as in ImageKit; it is also a
    ``LookupError`` because that is what it is.
    """


class MissingGeneratorId(Exception):
    """An object that needs a generator (spec) id has none."""


class MissingSource(ValueError):
    """A spec was asked to generate an image but has no source file.

    Templates treat it as a silent variable failure, so ``{{ photo.thumb.url }}``
    renders as empty text when the photo has no image.
    """

    silent_variable_failure = True


class MissingSourceFile(MissingSource, FileNotFoundError):
    """A spec's source names a file that is not in its storage (deleted, moved).

    It is both a :class:`MissingSource` (so templates render it as empty text,
    like an empty field) and a ``FileNotFoundError`` (what ImageKit let through,
    so existing ``except`` clauses keep working).
    """


class SourceImageError(ValueError):
    """A spec's source could not be read as an image.

    Raised for corrupt, truncated, empty and non-image files, and for images
    with more pixels than allowed (``IMAGEKIT_MAX_IMAGE_PIXELS``, or the spec's
    ``max_image_pixels``). The message names the source and the spec; Pillow's
    own error, if any, is chained as ``__cause__``. Like :class:`MissingSource`
    it renders as empty text in ``{{ file.url }}``, and the template tags treat
    it as a missing source (see ``IMAGEKIT_TEMPLATE_MISSING_SOURCE``).
    """

    silent_variable_failure = True


# Names used by ImageKit for pilkit's exceptions.
UnknownExtensionError = UnknownExtension
UnknownFormatError = UnknownFormat
