"""Generators that ship with imagekit: ``imagekit:thumbnail``."""

from __future__ import annotations

from typing import Any

from .conf import setting
from .processors import Thumbnail as ThumbnailProcessor
from .registry import register
from .specs import ImageSpec

__all__ = ["Thumbnail"]

#: Compatibility: as in ImageKit, read once when this module is imported.
DEFAULT_THUMBNAIL_FORMAT = setting("IMAGEKIT_DEFAULT_THUMBNAIL_FORMAT", None)


class Thumbnail(ImageSpec):
    """Resize (and crop, if both sides are given) a source to a thumbnail.

    The ``{% thumbnail %}`` template tag uses this spec.
    """

    def __init__(
        self,
        width: int | None = None,
        height: int | None = None,
        anchor: Any = None,
        crop: bool | None = None,
        upscale: bool | None = None,
        format: str | None = DEFAULT_THUMBNAIL_FORMAT,
        **kwargs: Any,
    ):
        self.processors = [
            ThumbnailProcessor(width, height, anchor=anchor, crop=crop, upscale=upscale)
        ]
        self.format = format
        # The processor is fully determined by these arguments (types
        # included: crop=0 and crop=False hash differently), which lets
        # get_hash() reuse the pickle of everything but the source name.
        self._hash_args = tuple(
            (type(value), value) for value in (width, height, anchor, crop, upscale, format)
        )
        self._hash_state = (self.processors, self.processors[0], format)
        super().__init__(**kwargs)

    def _hash_tail_key(
        self, processors: Any, fmt: Any, options: Any, autoconvert: Any
    ) -> tuple[Any, tuple[Any, ...]] | None:
        # The processor is built from the constructor's arguments, so they
        # name it, unless the instance was changed after __init__.
        state = self.__dict__.get("_hash_state")
        if (
            state is None
            or processors is not state[0]
            or len(processors) != 1
            or processors[0] is not state[1]
            or type(fmt) is not type(state[2])
            or fmt != state[2]
        ):
            return None
        key = (type(self), self._hash_args, id(options), type(autoconvert), autoconvert)
        return key, (options,)


def register_builtin_generators() -> None:
    """Register ``imagekit:thumbnail`` (idempotent)."""
    register.generator("imagekit:thumbnail", Thumbnail)


register_builtin_generators()
