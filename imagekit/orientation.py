"""EXIF orientation, applied before a spec's processors.

Phones store photos as the sensor saw them and record in the EXIF
``Orientation`` tag how to turn them for display. By default imagekit turns
the image that way before the first processor (``IMAGEKIT_APPLY_EXIF_ORIENTATION``),
so a portrait photo comes out upright from every spec and template tag.
ImageKit did not: only specs that started with pilkit's ``Transpose()`` did.

Such a spec keeps its own ``Transpose()`` and is not turned twice. Cache file
names do not depend on any of this.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from PIL import Image
from pilkit.processors import Transpose

from .conf import setting

if TYPE_CHECKING:
    from ._typing import Processor

__all__ = ["ExifOrientation", "orientation_of", "with_orientation"]

ORIENTATION = 0x0112
_T = Image.Transpose
# The same steps as pilkit's Transpose(Transpose.AUTO), so a spec that
# switches from Transpose() to the default makes the very same pixels.
_STEPS = {
    2: (_T.FLIP_LEFT_RIGHT,),
    3: (_T.ROTATE_180,),
    4: (_T.FLIP_TOP_BOTTOM,),
    5: (_T.ROTATE_270, _T.FLIP_LEFT_RIGHT),
    6: (_T.ROTATE_270,),
    7: (_T.ROTATE_90, _T.FLIP_LEFT_RIGHT),
    8: (_T.ROTATE_90,),
}
_QUARTER_TURNS = {5, 6, 7, 8}
_UNKNOWN = -1


def orientation_of(image: Image.Image) -> int | None:
    """Return *image*'s EXIF orientation (None if it has none or it is unreadable).

    Before the image is decoded, return ``-1`` where the answer would need
    the pixels decoded first (a PNG whose ``eXIf`` chunk follows its data).
    """
    if getattr(image, "tile", None) and image.format == "PNG" and "exif" not in image.info:
        return _UNKNOWN
    try:
        value = image.getexif().get(ORIENTATION)
    except Exception:  # noqa: BLE001 - damaged EXIF: the image is used as it is
        return None
    return value if isinstance(value, int) else None


class ExifOrientation:
    """Turn an image as its EXIF orientation says; imagekit's default first step."""

    def process(self, img: Image.Image) -> Image.Image:
        for method in _STEPS.get(orientation_of(img), ()):  # type: ignore[arg-type]  # None: ()
            img = img.transpose(method)
        return img

    def swaps(self, image: Image.Image) -> bool | None:
        """Return whether it turns *image* by a quarter (None: not known before decoding)."""
        orientation = orientation_of(image)
        if orientation == _UNKNOWN:
            return None
        return orientation in _QUARTER_TURNS


EXIF_ORIENTATION = ExifOrientation()


def with_orientation(processors: Iterable[Processor] | None) -> list[Processor]:
    """Return the processors to run: *processors*, after EXIF orientation unless it is off.

    A chain that starts with pilkit's ``Transpose()`` (its AUTO mode) already
    turns the image, and is left as it is.
    """
    processors = list(processors or ())
    if not setting("IMAGEKIT_APPLY_EXIF_ORIENTATION"):
        return processors
    if processors and isinstance(processors[0], Transpose):
        if Transpose.AUTO in processors[0].methods:
            return processors
    return [EXIF_ORIENTATION, *processors]
