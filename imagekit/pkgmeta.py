"""Package metadata: the single source of the version number."""

__title__ = "imagekit"
__author__ = "The imagekit developers"
__version__ = "6.1.1"
__license__ = "BSD"
__all__ = ["__author__", "__license__", "__title__", "__version__"]
