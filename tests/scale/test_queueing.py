"""What reaches the brokers, and ``generateimages --enqueue`` with real workers."""

from __future__ import annotations

import base64
import io
import json
import pickle
from io import StringIO

import django_rq
import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command

from .helpers import raw_redis, rq_job_data, wait_until_generated
from .models import Upload

pytestmark = pytest.mark.django_db(transaction=True)


class PlainDataUnpickler(pickle.Unpickler):
    """Load a pickle only if it holds plain data: any class or function is refused."""

    def find_class(self, module: str, name: str):
        raise pickle.UnpicklingError(f"the pickle refers to {module}.{name}")


@pytest.fixture
def idle_rq_queue(settings):
    """Send RQ jobs to a queue that no worker serves, and empty it afterwards.

    The queue is read as configured in RQ_QUEUES, with RQ's default serializer.
    """
    settings.IMAGEKIT_RQ_QUEUE = "imagekit-idle"
    queue = django_rq.get_queue("imagekit-idle")
    queue.empty()
    yield queue
    queue.empty()


def test_generateimages_enqueue_hands_every_file_to_the_workers(workers, use_backend, upload_file):
    worker = workers("rq")
    use_backend("rq")
    uploads = [Upload.objects.create(image=upload_file()) for _ in range(3)]
    out = StringIO()

    call_command("generateimages", "scale:upload:thumbnail", "--enqueue", stdout=out)

    assert "3 queued, 0 generated, 0 already existed, 0 failed" in out.getvalue()
    for upload in uploads:
        wait_until_generated(upload.thumbnail, [worker])
        assert default_storage.exists(upload.thumbnail.name)


def test_generateimages_enqueue_does_not_queue_files_that_exist(workers, use_backend, upload_file):
    worker = workers("rq")
    use_backend("rq")
    upload = Upload.objects.create(image=upload_file())
    call_command("generateimages", "scale:upload:thumbnail", "--enqueue", stdout=StringIO())
    wait_until_generated(upload.thumbnail, [worker])
    out = StringIO()

    call_command("generateimages", "scale:upload:thumbnail", "--enqueue", stdout=out)

    assert "0 queued, 0 generated, 1 already existed, 0 failed" in out.getvalue()


def test_a_file_asked_for_by_many_requests_is_queued_once(idle_rq_queue, use_backend, upload_file):
    use_backend("rq")
    upload = Upload.objects.create(image=upload_file())  # queues the preview

    for _ in range(5):  # five requests, each with its own objects
        assert bool(Upload.objects.get().thumbnail) is False

    queued = sorted(job.args[0]["name"] for job in idle_rq_queue.jobs)
    assert queued == sorted([upload.preview.name, upload.thumbnail.name])


def test_an_rq_job_names_its_function_and_carries_only_plain_data(
    idle_rq_queue, use_backend, upload_file
):
    use_backend("rq")
    upload = Upload.objects.create(image=upload_file())  # queues the preview

    upload.thumbnail.generate()

    # RQ's default serializer pickles the job, but a pickle of plain data
    # loads without importing anything: nothing in it can run code.
    stored = [PlainDataUnpickler(io.BytesIO(data)).load() for data in rq_job_data("imagekit-idle")]
    assert {function for function, _instance, _args, _kwargs in stored} == {
        "imagekit.tasks.generate_cachefile"
    }
    assert sorted(args[0]["name"] for _function, _instance, args, _kwargs in stored) == sorted(
        [upload.preview.name, upload.thumbnail.name]
    )


def test_a_celery_message_is_json(settings, use_backend, upload_file):
    settings.IMAGEKIT_CELERY_QUEUE = "imagekit-idle"
    broker = raw_redis(1)
    broker.delete("imagekit-idle")
    use_backend("celery")
    upload = Upload.objects.create(image=upload_file())  # queues the preview

    upload.thumbnail.generate()

    messages = [json.loads(raw) for raw in broker.lrange("imagekit-idle", 0, -1)]
    broker.delete("imagekit-idle")
    assert {m["headers"]["task"] for m in messages} == {"imagekit.generate_cachefile"}
    assert {m["content-type"] for m in messages} == {"application/json"}
    bodies = [json.loads(base64.b64decode(m["body"])) for m in messages]
    assert sorted(args[0]["name"] for args, _kwargs, _embed in bodies) == sorted(
        [upload.preview.name, upload.thumbnail.name]
    )
