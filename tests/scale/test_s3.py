"""Sources and cache files on S3 (moto's server, through django-storages).

The state of every cache file lives in Redis, so once a page has been
rendered, rendering it again asks S3 nothing at all.
"""

from __future__ import annotations

import uuid
from io import StringIO

import boto3
import pytest
from django.core.management import call_command
from django.template import Context, Template

from .conftest import create_bucket
from .helpers import wait_until_generated
from .models import Upload

pytestmark = pytest.mark.django_db(transaction=True)

PAGE = Template(
    "{% load imagekit %}"
    "{% for upload in uploads %}"
    '<a href="{{ upload.image.url }}">'
    '<img src="{{ upload.thumbnail.url }}" width="{{ upload.thumbnail.width }}"'
    ' height="{{ upload.thumbnail.height }}"></a>'
    "{% thumbnail '20x20' upload.image %}"
    "{% endfor %}"
)


def bucket_keys(storage) -> set[str]:
    return {item.key for item in storage.bucket.objects.all()}


def render_page() -> str:
    uploads = list(Upload.objects.order_by("pk"))
    return PAGE.render(Context({"uploads": uploads}))


def test_sources_and_cache_files_are_stored_on_s3(s3_storage, upload_file):
    upload = Upload.objects.create(image=upload_file())

    url = upload.thumbnail.url

    # (The preview is made on save: its strategy is Optimistic.)
    assert bucket_keys(s3_storage) == {
        upload.image.name,
        upload.preview.name,
        upload.thumbnail.name,
    }
    assert url.startswith(s3_storage.endpoint_url)


def test_a_warm_page_render_sends_no_request_to_s3(s3_storage, s3_requests, upload_file):
    for _ in range(3):
        Upload.objects.create(image=upload_file())
    cold_page = render_page()
    cold_requests = len(s3_requests)
    s3_requests.clear()

    warm_page = render_page()

    assert cold_requests > 0  # the hook does see what the storage sends
    assert s3_requests == []
    assert warm_page == cold_page


def test_generateimages_makes_the_cache_files_on_s3(s3_storage, upload_file):
    uploads = [Upload.objects.create(image=upload_file()) for _ in range(2)]
    out = StringIO()

    call_command("generateimages", "scale:upload:thumbnail", stdout=out)

    assert "2 generated, 0 already existed, 0 failed" in out.getvalue()
    assert {u.thumbnail.name for u in uploads} <= bucket_keys(s3_storage)


def test_a_worker_reads_its_source_from_s3_and_writes_the_file_there(
    settings, s3_endpoint, start_worker, use_backend, upload_file
):
    bucket = f"ik-workers-{uuid.uuid4().hex[:8]}"
    create_bucket(s3_endpoint, bucket)
    settings.STORAGES = {
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {**_options(s3_endpoint, bucket)},
        },
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.IMAGEKIT_CELERY_QUEUE = "imagekit-s3"
    worker = start_worker(
        "celery",
        queue="imagekit-s3",
        IMAGEKIT_SCALE_S3_ENDPOINT=s3_endpoint,
        IMAGEKIT_SCALE_S3_BUCKET=bucket,
    )
    use_backend("celery")
    upload = Upload.objects.create(image=upload_file())

    upload.thumbnail.generate()

    wait_until_generated(upload.thumbnail, [worker])
    wait_until_generated(upload.preview, [worker])
    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        region_name="us-east-1",
    )
    keys = {item["Key"] for item in client.list_objects_v2(Bucket=bucket)["Contents"]}
    assert keys == {upload.image.name, upload.preview.name, upload.thumbnail.name}


def _options(endpoint: str, bucket: str) -> dict[str, object]:
    from .servers import s3_options

    return s3_options(endpoint, bucket)
