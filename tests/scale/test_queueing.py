"""What reaches the brokers, and ``generateimages --enqueue`` with real workers."""

from __future__ import annotations

import base64
import json
import zlib
from io import StringIO

import django_rq
import pytest
import redis
from django.conf import settings as django_settings
from django.core.files.storage import default_storage
from django.core.management import call_command
from rq.serializers import JSONSerializer

from .helpers import wait_until_generated
from .models import Upload

pytestmark = pytest.mark.django_db(transaction=True)


def raw_redis(db: int) -> redis.Redis:
    return redis.Redis(unix_socket_path=django_settings.REDIS_SOCKET, db=db)


@pytest.fixture
def idle_rq_queue(settings):
    """Send RQ jobs to a queue that no worker serves, and empty it afterwards."""
    settings.IMAGEKIT_RQ_QUEUE = "imagekit-idle"
    queue = django_rq.get_queue("imagekit-idle", serializer=JSONSerializer)
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


def test_an_rq_job_is_stored_as_json(idle_rq_queue, use_backend, upload_file):
    use_backend("rq")
    upload = Upload.objects.create(image=upload_file())  # queues the preview

    upload.thumbnail.generate()

    stored = [
        json.loads(zlib.decompress(raw_redis(2).hget(f"rq:job:{job_id}", "data")))
        for job_id in idle_rq_queue.job_ids
    ]
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
