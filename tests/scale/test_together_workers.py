"""Picture variants made by real workers, then judged by ``cleanupimages`` (issues #12, #13).

A worker started as the docs say makes a picture's variants (one task); the
origin records it writes beside their states (in the shared Redis) are what
lets ``cleanupimages`` keep them while their source exists and remove them
once it is gone.
"""

from __future__ import annotations

import io
import os
import time

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.template import Context, Template

from .helpers import wait_until_generated
from .models import Upload

pytestmark = pytest.mark.django_db(transaction=True)

PICTURE = Template(
    "{% load imagekit %}"
    "{% picture '160x120' upload.image widths='40 80' formats='webp' placeholder='blur' %}"
)


def cleanup(*args: str) -> str:
    out = io.StringIO()
    call_command("cleanupimages", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def age(names) -> None:
    when = time.time() - 3600
    for name in names:
        os.utime(default_storage.path(name), (when, when))


@pytest.mark.parametrize("kind", ["celery", "rq"])
def test_variants_a_worker_made_are_kept_while_their_source_exists_and_go_after(
    kind, workers, use_backend, upload_file
):
    worker = workers(kind)
    use_backend(kind)
    upload = Upload.objects.create(image=upload_file(size=(320, 240)))
    PICTURE.render(Context({"upload": upload}))  # queues one task
    from imagekit.pictures import plan_picture

    plan = plan_picture("160x120", upload.image, widths="40 80", formats="webp")
    names = [file.name for file in plan.all_variants()]
    for file in plan.all_variants():
        wait_until_generated(file, [worker])
    age(names)

    kept = cleanup()
    default_storage.delete(upload.image.name)
    removed = cleanup()

    assert "4 made by template tags for sources that still exist" in kept
    assert "Removed 4 file(s)" in removed and "4 source gone" in removed
    assert not any(default_storage.exists(name) for name in names)
