"""RQ jobs are serialized the way the site's queue and workers are set up.

A stock ``manage.py rqworker`` (RQ's default serializer) runs imagekit's jobs
in ``test_workers.py``. Here, the two ways a site can choose JSON instead:
a ``"SERIALIZER"`` in the queue's ``RQ_QUEUES`` entry, or
``IMAGEKIT_RQ_SERIALIZER``. Either way the worker is started with the
matching ``--serializer``, as the site starts it for its own jobs: django-rq's
``rqworker`` reads jobs with its ``--serializer`` option (pickle by default),
not with the queue's ``"SERIALIZER"``. Each test queues while no worker
serves the queue, reads the jobs straight from Redis, then starts the worker
and waits for the files.
"""

from __future__ import annotations

import json

import pytest
from django.core.files.storage import default_storage

from .helpers import rq_job_data, wait_until_generated
from .models import Upload

pytestmark = pytest.mark.django_db(transaction=True)

JSON_SERIALIZER = "rq.serializers.JSONSerializer"


def queue_files(upload_file) -> Upload:
    """Save an upload (its preview is queued) and ask for its thumbnail's URL (queued too)."""
    upload = Upload.objects.create(image=upload_file())
    assert upload.thumbnail.url.endswith(upload.thumbnail.name)
    return upload


def assert_json_jobs_for(upload: Upload, queue: str) -> None:
    stored = [json.loads(data) for data in rq_job_data(queue)]
    assert {function for function, _instance, _args, _kwargs in stored} == {
        "imagekit.tasks.generate_cachefile"
    }
    assert sorted(args[0]["name"] for _function, _instance, args, _kwargs in stored) == sorted(
        [upload.preview.name, upload.thumbnail.name]
    )


def json_jobs_run_by_a_json_worker(start_worker, upload: Upload, queue: str) -> None:
    """Check the jobs waiting in *queue* are JSON, then let a JSON worker make the files."""
    assert_json_jobs_for(upload, queue)
    worker = start_worker("rq", queue=queue, options=["--serializer", JSON_SERIALIZER])
    wait_until_generated(upload.thumbnail, [worker])
    wait_until_generated(upload.preview, [worker])
    assert default_storage.exists(upload.thumbnail.name)
    assert default_storage.exists(upload.preview.name)


def test_a_queue_configured_with_the_json_serializer_gets_json_jobs_its_worker_runs(
    settings, start_worker, use_backend, upload_file
):
    # RQ_QUEUES["imagekit-json"] has "SERIALIZER": "rq.serializers.JSONSerializer".
    settings.IMAGEKIT_RQ_QUEUE = "imagekit-json"
    use_backend("rq")

    json_jobs_run_by_a_json_worker(start_worker, queue_files(upload_file), "imagekit-json")


def test_imagekit_rq_serializer_makes_json_jobs_for_a_worker_started_with_that_serializer(
    settings, start_worker, use_backend, upload_file
):
    # RQ_QUEUES["imagekit-chosen"] names no serializer: RQ's default, pickle.
    settings.IMAGEKIT_RQ_QUEUE = "imagekit-chosen"
    settings.IMAGEKIT_RQ_SERIALIZER = JSON_SERIALIZER
    use_backend("rq")

    json_jobs_run_by_a_json_worker(start_worker, queue_files(upload_file), "imagekit-chosen")
