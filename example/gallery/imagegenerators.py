"""Image generators of the gallery app.

imagekit imports this module the first time it looks up a generator by id,
so the specs below are registered without any import elsewhere.
"""

from imagekit import ImageSpec, register
from imagekit.processors import Adjust, ResizeToFill
from imagekit.utils import get_field_info


class Banner(ImageSpec):
    """A wide crop with a little more contrast, for page headers."""

    processors = [ResizeToFill(600, 200), Adjust(contrast=1.2, sharpness=1.1)]
    format = "JPEG"
    options = {"quality": 85}


class PhotoCard(ImageSpec):
    """A card sized (and maybe drained of colour) by the photo's own fields."""

    format = "JPEG"
    options = {"quality": 85}

    @property
    def processors(self):
        photo, _field_name = get_field_info(self.source)
        if photo is None:
            # Not the file of a model field (say, a file given to a template
            # tag): nothing to read the size from, so use the default one.
            return [ResizeToFill(320, 200)]
        processors = [ResizeToFill(photo.card_width, photo.card_height)]
        if photo.monochrome:
            processors.append(Adjust(color=0))
        return processors


register.generator("gallery:banner", Banner)
register.generator("gallery:photo:card", PhotoCard)
