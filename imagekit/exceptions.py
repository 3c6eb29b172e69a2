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
    "OutputTooLarge",
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


class _SilentInTemplates:
    """Rendered as empty text by Django's templates, unless the site wants it raised.

    Django asks ``silent_variable_failure`` of an exception raised while it
    resolves ``{{ photo.thumb.url }}``, at the very moment it decides whether
    to swallow it. So the answer follows ``IMAGEKIT_TEMPLATE_MISSING_SOURCE``
    (by default: raised under DEBUG, where Django shows its error page, silent
    otherwise, as in ImageKit), and a silenced error is logged as a warning
    on the ``imagekit`` logger, naming the source and the spec.
    """

    @property
    def silent_variable_failure(self) -> bool:
        from .conf import missing_source_policy
        from .utils import get_logger

        if missing_source_policy() == "raise":
            return False
        get_logger().warning("A template rendered an empty value: %s", self)
        return True


class MissingSource(_SilentInTemplates, ValueError):
    """A spec was asked to generate an image but has no source file.

    Templates render ``{{ photo.thumb.url }}`` as empty text when the photo has
    no image (see :class:`_SilentInTemplates` for DEBUG and the setting).
    """


class MissingSourceFile(MissingSource, FileNotFoundError):
    """A spec's source names a file that is not in its storage (deleted, moved).

    It is both a :class:`MissingSource` (so templates render it as empty text,
    like an empty field) and a ``FileNotFoundError`` (what ImageKit let through,
    so existing ``except`` clauses keep working).
    """


class SourceImageError(_SilentInTemplates, ValueError):
    """A spec's source could not be read as an image.

    Raised for corrupt, truncated, empty and non-image files, and for images
    with more pixels than allowed (``IMAGEKIT_MAX_IMAGE_PIXELS``, or the spec's
    ``max_image_pixels``). The message names the source and the spec; Pillow's
    own error, if any, is chained as ``__cause__``. Like :class:`MissingSource`
    it renders as empty text in ``{{ file.url }}``, and the template tags treat
    it as a missing source (see ``IMAGEKIT_TEMPLATE_MISSING_SOURCE``).
    """


class OutputTooLarge(SourceImageError):
    """A spec's processors would make an image bigger than allowed.

    Raised before any pixel is decoded when the processors' sizes are known
    (pilkit's resizes, crops, canvases), otherwise as soon as a processor's
    result is over the cap: ``IMAGEKIT_MAX_OUTPUT_PIXELS``, or the spec's
    ``max_output_pixels``. An output no bigger than its source is always
    allowed. It is a :class:`SourceImageError` (this source cannot be made into
    this output), so templates treat it the same way.
    """


# Names used by ImageKit for pilkit's exceptions.
UnknownExtensionError = UnknownExtension
UnknownFormatError = UnknownFormat
