"""Form fields."""

from .fields import ProcessedImageField

__all__ = ["ProcessedImageField"]
