from django.db import models

from imagekit.models import ImageSpecField, ProcessedImageField
from imagekit.processors import ResizeToFill


class Photo(models.Model):
    """An uploaded picture and the images imagekit derives from it."""

    title = models.CharField(max_length=100, unique=True)
    image = models.ImageField(upload_to="photos")

    # Generated on first use (the default "just in time" strategy) and stored
    # under MEDIA_ROOT/CACHE/images/; nothing is added to the database.
    thumbnail = ImageSpecField(
        source="image",
        processors=[ResizeToFill(200, 150)],
        format="JPEG",
        options={"quality": 80},
    )

    # The spec registered as "gallery:banner" in gallery/imagegenerators.py;
    # a project can replace it by registering another spec under that id.
    banner = ImageSpecField(source="image", id="gallery:banner")

    # Processed once, when a file is saved to the field: only the 96x96 PNG
    # is kept, not the upload.
    avatar = ProcessedImageField(
        upload_to="avatars",
        processors=[ResizeToFill(96, 96)],
        format="PNG",
        blank=True,
    )

    class Meta:
        ordering = ["title"]

    def __str__(self):
        return self.title
