"""The model of ``enqueue.py``: an upload with a thumbnail and a web-sized copy."""

from django.db import models

from imagekit.models import ImageSpecField
from imagekit.processors import ResizeToFill, ResizeToFit


class Upload(models.Model):
    image = models.ImageField(upload_to="uploads")

    # 40x30: decoding dominates, at reduced scale.
    thumbnail = ImageSpecField(source="image", processors=[ResizeToFill(40, 30)], format="JPEG")
    # Fit in 960x720: a full decode, resize and encode.
    large = ImageSpecField(
        source="image", processors=[ResizeToFit(960, 720)], format="JPEG", options={"quality": 85}
    )

    class Meta:
        app_label = "benchapp"

    def __str__(self):
        return self.image.name
