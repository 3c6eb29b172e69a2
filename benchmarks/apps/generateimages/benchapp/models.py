"""The model of ``generateimages_jobs.py``: a photo (its spec is registered by the script)."""

from django.db import models


class BenchPhoto(models.Model):
    image = models.ImageField(upload_to="photos")

    class Meta:
        app_label = "benchapp"

    def __str__(self):
        return self.image.name
