"""The photo of the page benchmarks (run.py, warm_pages.py, pictures.py).

The same file serves this project and django-imagekit 6.1.1: only their
shared public API is used.
"""

from django.db import models

from imagekit.models import ImageSpecField
from imagekit.processors import ResizeToFill


class Photo(models.Model):
    image = models.ImageField(upload_to="photos")
    thumb = ImageSpecField(source="image", processors=[ResizeToFill(100, 50)], format="JPEG")

    class Meta:
        app_label = "benchapp"

    def __str__(self):
        return self.image.name


class PlainPhoto(models.Model):
    """The same row without a spec field: the baseline for model loads."""

    image = models.ImageField(upload_to="photos")

    class Meta:
        app_label = "benchapp"

    def __str__(self):
        return self.image.name
