"""Image generators of the gallery app.

imagekit imports this module the first time it looks up a generator by id,
so the specs below are registered without any import elsewhere.
"""

from imagekit import ImageSpec, register
from imagekit.processors import Adjust, ResizeToFill


class Banner(ImageSpec):
    """A wide crop with a little more contrast, for page headers."""

    processors = [ResizeToFill(600, 200), Adjust(contrast=1.2, sharpness=1.1)]
    format = "JPEG"
    options = {"quality": 85}


register.generator("gallery:banner", Banner)
