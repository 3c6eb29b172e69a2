"""Generators that ship with imagekit: ``imagekit:thumbnail``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .arguments import check_anchor
from .conf import setting
from .processors import Thumbnail as ThumbnailProcessor
from .registry import register
from .specs import ImageSpec

if TYPE_CHECKING:
    from ._typing import Processor

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
        anchor: str | tuple[float, float] | None = None,
        crop: bool | None = None,
        upscale: bool | None = None,
        format: str | None = DEFAULT_THUMBNAIL_FORMAT,
        source: Any = None,
    ):
        self._thumbnail_args = (width, height, anchor, crop, upscale)
        self.format = format
        # The processor is fully determined by these arguments (types
        # included: crop=0 and crop=False hash differently), which lets the
        # hash and the name be reused without building it.
        self._hash_args = tuple(
            (type(value), value) for value in (width, height, anchor, crop, upscale, format)
        )
        check_anchor(anchor, "anchor")
        if anchor and crop is False:
            _ = self.processors  # pilkit refuses this combination: say so now
        # Compatibility: ImageKit took **kwargs and passed them on; ImageSpec
        # takes nothing but the source, so naming it lets a wrong argument be
        # reported as such (see GeneratorRegistry.get).
        super().__init__(source=source)

    @property
    def processors(self) -> list[Processor]:
        """``[pilkit Thumbnail(...)]``, built on first use (a warm page never needs it)."""
        processors = self.__dict__.get("_processors")
        if processors is None:
            width, height, anchor, crop, upscale = self._thumbnail_args
            processor = ThumbnailProcessor(width, height, anchor=anchor, crop=crop, upscale=upscale)
            processors = self.__dict__["_processors"] = [processor]
            self.__dict__["_built"] = (processors, processor)
        return processors

    @processors.setter
    def processors(self, value: list[Processor]) -> None:
        self.__dict__["_processors"] = value

    def _unchanged(self, processors: Any, fmt: Any) -> bool:
        """Return whether the processors and format are still those of the arguments."""
        fmt_type, fmt_value = self._hash_args[5]
        if type(fmt) is not fmt_type or fmt != fmt_value:
            return False
        built = self.__dict__.get("_built")
        if processors is None:  # not looked at: unchanged unless replaced
            return "_processors" not in self.__dict__
        return (
            built is not None
            and processors is built[0]
            and len(processors) == 1
            and processors[0] is built[1]
        )

    def _hash_tail_key(
        self, processors: Any, fmt: Any, options: Any, autoconvert: Any
    ) -> tuple[Any, tuple[Any, ...]] | None:
        # The processor is built from the constructor's arguments, so they
        # name it, unless the instance was changed after __init__.
        if not self._unchanged(processors, fmt):
            return None
        key = (type(self), self._hash_args, id(options), type(autoconvert), autoconvert)
        return key, (options,)

    def _name_tail_key(self) -> tuple[Any, tuple[Any, ...]] | None:
        # As _hash_tail_key, without building the processor.
        if "_processors" in self.__dict__:
            return super()._name_tail_key()
        return self._hash_tail_key(None, self.format, self.options, self.autoconvert)


def register_builtin_generators() -> None:
    """Register ``imagekit:thumbnail`` (idempotent)."""
    register.generator("imagekit:thumbnail", Thumbnail)


register_builtin_generators()
