"""Real workers make the cache files that the test process only queues.

Each queue (Celery, RQ, Dramatiq, Django's tasks framework) has one worker
process, started with the project's settings and the way that queue's
documentation tells a site to start it (see ``servers.worker_command``).
The test process saves models, touches their thumbnails, and then finds the
files in storage and their "exists" state in Redis, written there by the
worker.
"""

from __future__ import annotations

import uuid

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template import Context, Template

from imagekit.cachefiles.backends import CacheFileState

from .helpers import WORKER_TIMEOUT, redis_state, wait_until_generated
from .models import Upload
from .servers import wait_for

KINDS = ["celery", "rq", "dramatiq", "tasks"]

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("kind", KINDS)
def test_a_worker_makes_the_thumbnail_of_a_model_saved_here(
    kind, workers, use_backend, upload_file
):
    worker = workers(kind)
    use_backend(kind)
    upload = Upload.objects.create(image=upload_file())

    url = upload.thumbnail.url  # just in time: queued, not made here

    wait_until_generated(upload.thumbnail, [worker])
    assert url.endswith(upload.thumbnail.name)
    assert default_storage.exists(upload.thumbnail.name)
    assert Upload.objects.get().thumbnail.width == 40


@pytest.mark.parametrize("kind", KINDS)
def test_a_worker_makes_a_file_the_optimistic_strategy_queued_on_save(
    kind, workers, use_backend, upload_file
):
    worker = workers(kind)
    use_backend(kind)

    upload = Upload.objects.create(image=upload_file())

    wait_until_generated(upload.preview, [worker])
    assert default_storage.exists(upload.preview.name)


@pytest.mark.parametrize("kind", KINDS)
def test_a_file_is_false_until_the_worker_has_made_it(kind, workers, use_backend, upload_file):
    worker = workers(kind)
    use_backend(kind)
    upload = Upload.objects.create(image=upload_file())

    truth_before = bool(upload.thumbnail)
    wait_until_generated(upload.thumbnail, [worker])

    assert truth_before is False
    assert bool(Upload.objects.get().thumbnail) is True


@pytest.mark.parametrize("kind", KINDS)
def test_a_worker_loads_the_model_instance_a_spec_depends_on(
    kind, workers, use_backend, upload_file
):
    worker = workers(kind)
    use_backend(kind)
    upload = Upload.objects.create(image=upload_file(), thumb_width=30, thumb_height=20)

    upload.sized.generate()

    wait_until_generated(upload.sized, [worker])
    fresh = Upload.objects.get().sized
    assert (fresh.width, fresh.height) == (30, 20)


@pytest.mark.parametrize("kind", KINDS)
def test_a_worker_makes_the_thumbnail_a_template_tag_asked_for(
    kind, workers, use_backend, upload_file
):
    worker = workers(kind)
    use_backend(kind)
    upload = Upload.objects.create(image=upload_file((200, 100)))
    template = Template(
        "{% load imagekit %}"
        "{% thumbnail '48x36' upload.image anchor='tl' format='PNG' as th %}{{ th.url }}"
    )

    url = template.render(Context({"upload": upload}))

    name = url.removeprefix("/media/")
    assert name.endswith(".png")
    wait_for_name = Upload.objects.get().image  # the tag's file, rebuilt here to wait on it
    from imagekit.cachefiles import LazyImageCacheFile

    file = LazyImageCacheFile(
        "imagekit:thumbnail", source=wait_for_name, width=48, height=36, anchor="tl", format="PNG"
    )
    assert file.name == name
    wait_until_generated(file, [worker])
    assert default_storage.exists(name)
    assert redis_state(file) == CacheFileState.EXISTS


@pytest.mark.parametrize("kind", KINDS)
def test_a_source_the_worker_cannot_read_is_not_queued_again(kind, workers, use_backend):
    worker = workers(kind)
    use_backend(kind)
    upload = Upload.objects.create(
        image=SimpleUploadedFile(f"{uuid.uuid4().hex}.jpg", b"not a jpeg", "image/jpeg")
    )
    page = Template("[{{ upload.thumbnail.url }}]")
    name = upload.thumbnail.name

    assert page.render(Context({"upload": upload})) == f"[{default_storage.url(name)}]"  # queued

    def refused() -> bool:
        return page.render(Context({"upload": Upload.objects.get()})) == "[]"

    wait_for(refused, WORKER_TIMEOUT, f"the {kind} worker to refuse {name}", logs=[worker])
    backend = upload.thumbnail.cachefile_backend
    assert not backend.is_queued(name)  # the page that found the refusal queued nothing
    assert not default_storage.exists(name)
    assert "could not be read as an image" in worker.log_tail(200)
