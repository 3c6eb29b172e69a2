"""imagekit: automated image processing for Django.

An import-compatible implementation of the django-imagekit 6.1 API.
"""

from . import conf, generatorlibrary
from .pkgmeta import __author__, __license__, __title__, __version__
from .receivers import connect_receivers
from .registry import register, unregister
from .specs import ImageSpec

__all__ = [
    "ImageSpec",
    "__author__",
    "__license__",
    "__title__",
    "__version__",
    "conf",
    "generatorlibrary",
    "register",
    "unregister",
]

connect_receivers()
