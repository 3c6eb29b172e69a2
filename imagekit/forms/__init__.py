"""Form fields."""

from .fields import ProcessableImageField, ProcessedImageField

__all__ = ["ProcessableImageField", "ProcessedImageField"]
