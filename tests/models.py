"""Models of the test app: the shapes real projects use."""

from __future__ import annotations

from django.db import models

from imagekit import ImageSpec, register
from imagekit.models import ImageSpecField, ProcessedImageField
from imagekit.processors import Adjust, ResizeToFill, SmartResize
from imagekit.utils import get_field_info


class Photo(models.Model):
    original_image = models.ImageField(upload_to="photos")
    thumbnail = ImageSpecField(
        source="original_image",
        processors=[Adjust(contrast=1.2, sharpness=1.1), ResizeToFill(50, 50)],
        format="JPEG",
        options={"quality": 90},
    )
    smartcropped_thumbnail = ImageSpecField(
        source="original_image", processors=[SmartResize(50, 50)], format="JPEG"
    )


class ImplicitSourcePhoto(models.Model):
    """An ImageSpecField without ``source``: the only ImageField is used."""

    image = models.ImageField(upload_to="implicit")
    thumb = ImageSpecField(processors=[ResizeToFill(10, 10)], format="PNG")


class ProcessedPhoto(models.Model):
    processed = ProcessedImageField(
        processors=[SmartResize(50, 50)],
        format="JPEG",
        options={"quality": 90},
        upload_to="processed",
    )


class AbstractImageModel(models.Model):
    original_image = models.ImageField(upload_to="abstract")
    abstract_class_spec = ImageSpecField(
        source="original_image", processors=[ResizeToFill(20, 20)], format="JPEG"
    )

    class Meta:
        abstract = True


class ConcreteImageModel(AbstractImageModel):
    pass


class ConcreteImageModelSubclass(ConcreteImageModel):
    pass


class AvatarThumbnail(ImageSpec):
    """The long form from the docs: a spec class that varies with its model."""

    format = "JPEG"
    options = {"quality": 60}

    @property
    def processors(self):
        profile, _field_name = get_field_info(self.source)
        return [ResizeToFill(profile.thumbnail_width, profile.thumbnail_height)]


register.generator("tests:profile:avatar_thumbnail", AvatarThumbnail)


class Profile(models.Model):
    avatar = models.ImageField(upload_to="avatars")
    avatar_thumbnail = ImageSpecField(source="avatar", spec_id="tests:profile:avatar_thumbnail")
    thumbnail_width = models.PositiveIntegerField(default=40)
    thumbnail_height = models.PositiveIntegerField(default=30)


# --- Models of tests/test_sourcegroups.py ----------------------------------


class SgCaptionedPhoto(models.Model):
    """One source with one spec, and another field to save on its own."""

    image = models.ImageField(upload_to="sg", blank=True)
    caption = models.CharField(max_length=50, blank=True)
    thumbnail = ImageSpecField(source="image", processors=[ResizeToFill(8, 8)], format="PNG")


class SgOptimisticPhoto(models.Model):
    """A spec whose cache files are generated when the source is saved."""

    image = models.ImageField(upload_to="sg-optimistic")
    thumbnail = ImageSpecField(
        source="image",
        processors=[ResizeToFill(12, 10)],
        format="JPEG",
        cachefile_strategy="imagekit.cachefiles.strategies.Optimistic",
    )


class SgWatchedThumbnail(ImageSpec):
    """The spec of SgWatchedPhoto; tests swap it for one that records callbacks."""

    processors = [ResizeToFill(6, 6)]
    format = "PNG"


register.generator("tests:sgwatchedphoto:thumbnail", SgWatchedThumbnail)


class SgWatchedPhoto(models.Model):
    image = models.ImageField(upload_to="sg-watched", blank=True)
    thumbnail = ImageSpecField(source="image", spec_id="tests:sgwatchedphoto:thumbnail")


# --- Models of tests/test_admin.py -----------------------------------------


class FieldAdminPhoto(models.Model):
    """A photo with its own page, shown with a thumbnail in the admin."""

    image = models.ImageField(upload_to="admin-photos")
    thumbnail = ImageSpecField(source="image", processors=[ResizeToFill(16, 16)], format="JPEG")

    def __str__(self):
        return f"Admin photo {self.pk}"

    def get_absolute_url(self):
        return f"/photos/{self.pk}/"


class PictureSpecPhoto(models.Model):
    """A spec field that declares its picture variants (issue #12)."""

    image = models.ImageField(upload_to="declared")
    hero = ImageSpecField(
        source="image",
        processors=[ResizeToFill(160, 120)],
        format="JPEG",
        widths=[80, 160],
        formats=["webp"],
        placeholder="blur",
        cachefile_strategy="imagekit.cachefiles.strategies.Optimistic",
    )


class FollowingPhoto(models.Model):
    """Spec fields that each say whether their files go with the source (issue 13)."""

    image = models.ImageField(upload_to="following")
    follows = ImageSpecField(
        source="image", processors=[ResizeToFill(8, 8)], format="PNG", delete_with_source=True
    )
    refuses = ImageSpecField(
        source="image", processors=[ResizeToFill(9, 9)], format="PNG", delete_with_source=False
    )
    stays = ImageSpecField(source="image", processors=[ResizeToFill(7, 7)], format="PNG")
