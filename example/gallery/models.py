from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse

from imagekit.models import ImageSpecField, ProcessedImageField
from imagekit.processors import ResizeToFill


class Photo(models.Model):
    """An uploaded picture and the images imagekit derives from it."""

    title = models.CharField(max_length=100, unique=True)
    image = models.ImageField(upload_to="photos")

    # Read by the "gallery:photo:card" spec (gallery/imagegenerators.py): each
    # photo chooses the size and colour of its own card.
    card_width = models.PositiveIntegerField(
        default=320,
        validators=[MinValueValidator(40), MaxValueValidator(800)],
        help_text="Width of the gallery card, in pixels.",
    )
    card_height = models.PositiveIntegerField(
        default=200,
        validators=[MinValueValidator(40), MaxValueValidator(800)],
        help_text="Height of the gallery card, in pixels.",
    )
    monochrome = models.BooleanField(default=False, help_text="Show the card in black and white.")

    # Generated on first use (the default "just in time" strategy) and stored
    # under MEDIA_ROOT/CACHE/images/; nothing is added to the database.
    thumbnail = ImageSpecField(
        source="image",
        processors=[ResizeToFill(200, 150)],
        format="JPEG",
        options={"quality": 80},
    )

    # A spec that changes with its model: its processors are computed from the
    # fields above, so editing them gives the card a new file (and file name).
    card = ImageSpecField(source="image", id="gallery:photo:card")

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
        help_text="Optional; cropped to 96x96 and stored as PNG when saved.",
    )

    class Meta:
        ordering = ["title"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return f"{reverse('photo-list')}#photo-{self.pk}"
