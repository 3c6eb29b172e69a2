"""A picture's variants made by real workers: one task per picture (issue #12).

Each queue's worker is started the way the docs tell a site to start it
(``servers.worker_command``); nothing here knows a picture task from any
other. The test process only renders the tag.
"""

from __future__ import annotations

import pytest
from django.core.files.storage import default_storage
from django.template import Context, Template

from .helpers import wait_until_generated
from .models import Upload

KINDS = ["celery", "rq", "dramatiq", "tasks"]

pytestmark = pytest.mark.django_db(transaction=True)

PICTURE = Template(
    "{% load imagekit %}"
    "{% picture '160x120' upload.image widths='40 80 160' formats='avif webp' "
    "placeholder='blur' -- alt='' %}"
)


@pytest.mark.parametrize("kind", KINDS)
def test_a_worker_makes_every_variant_and_the_sources_appear_once_they_exist(
    kind, workers, use_backend, upload_file
):
    worker = workers(kind)
    use_backend(kind)
    upload = Upload.objects.create(image=upload_file(size=(320, 240)))

    first = PICTURE.render(Context({"upload": upload}))  # queues one task, makes nothing here

    assert "<source" not in first
    from imagekit.pictures import plan_picture

    plan = plan_picture("160x120", upload.image, widths="40 80 160", formats="avif webp")
    for file in plan.all_variants():
        wait_until_generated(file, [worker])
        assert default_storage.exists(file.name)
    again = PICTURE.render(Context({"upload": Upload.objects.get()}))
    assert again.count("<source") == 2
    assert 'width="160" height="120"' in again
    assert "background-image" in again
