"""Model fields for images: ``ImageSpecField`` and ``ProcessedImageField``."""

from .. import conf
from .fields import ImageSpecField, ProcessedImageField

__all__ = ["ImageSpecField", "ProcessedImageField", "conf"]
