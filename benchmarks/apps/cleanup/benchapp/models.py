"""The model of ``cleanup.py``: a photo with one small thumbnail."""

from django.db import models

from imagekit.models import ImageSpecField
from imagekit.processors import ResizeToFill


class BenchPhoto(models.Model):
    image = models.ImageField(upload_to="photos")
    thumbnail = ImageSpecField(source="image", processors=[ResizeToFill(16, 12)], format="JPEG")

    class Meta:
        app_label = "benchapp"

    def __str__(self):
        return self.image.name
