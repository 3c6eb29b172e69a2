"""Models of the scale-out tests: saved here, their thumbnails made by workers."""

from __future__ import annotations

import os
import time

from django.conf import settings
from django.db import models

from imagekit import ImageSpec
from imagekit.models import ImageSpecField
from imagekit.processors import ResizeToFill, ResizeToFit
from imagekit.utils import get_field_info


class RecordRun:
    """A processor that notes each run in a file (and takes its time doing it).

    Two workers that both ran the processors for the same cache file leave
    two lines in the same file.
    """

    def __init__(self, marker: str, seconds: float = 0.5):
        self.marker = marker
        self.seconds = seconds

    def process(self, image):
        with open(self.marker, "a", encoding="utf-8") as marker:
            marker.write(f"{os.getpid()}\n")
        time.sleep(self.seconds)  # long enough for a second worker to try too
        return image


def runs_marker(source_name: str) -> str:
    """Return the path of the file that counts runs for *source_name*."""
    folder = os.path.join(settings.RUN_DIR, "runs")
    os.makedirs(folder, exist_ok=True)
    return os.path.join(folder, os.path.basename(source_name) + ".runs")


class CountedThumbnail(ImageSpec):
    """A thumbnail whose every generation is counted (see :class:`RecordRun`)."""

    format = "JPEG"

    @property
    def processors(self):
        return [RecordRun(runs_marker(self.source.name)), ResizeToFill(32, 24)]


class SizedByModel(ImageSpec):
    """A thumbnail whose size comes from the model: workers must load the instance."""

    format = "PNG"

    @property
    def processors(self):
        upload, _field = get_field_info(self.source)
        return [ResizeToFill(upload.thumb_width, upload.thumb_height)]


class Upload(models.Model):
    image = models.ImageField(upload_to="uploads")
    thumb_width = models.PositiveIntegerField(default=24)
    thumb_height = models.PositiveIntegerField(default=18)

    thumbnail = ImageSpecField(source="image", processors=[ResizeToFill(40, 30)], format="JPEG")
    # Made as soon as the image is saved (by a worker, with a queue backend).
    preview = ImageSpecField(
        source="image",
        processors=[ResizeToFit(60, 60)],
        format="PNG",
        cachefile_strategy="imagekit.cachefiles.strategies.Optimistic",
    )
    counted = ImageSpecField(source="image", spec=CountedThumbnail)
    sized = ImageSpecField(source="image", spec=SizedByModel)
