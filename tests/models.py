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
    options = {"quality": 60}  # noqa: RUF012 - class attribute read by imagekit

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
