"""Cache files follow their source with real workers, and on S3.

Real workers (started as their documentation says) make the files; the test
process, like a web process, deletes or replaces the sources.
"""

from __future__ import annotations

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from tests.conftest import make_image_bytes

from .helpers import WORKER_TIMEOUT, redis_state, wait_until_generated
from .models import Upload
from .servers import wait_for

pytestmark = pytest.mark.django_db(transaction=True)

KINDS = ["celery", "rq"]


def jpeg(name: str, color: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, make_image_bytes("JPEG", (160, 120), color=color))


def center(storage, name: str) -> tuple[int, ...]:
    with storage.open(name, "rb") as f:
        return Image.open(f).convert("RGB").getpixel((20, 15))


def is_blue(pixel: tuple[int, ...]) -> bool:
    red, _green, blue = pixel
    return blue > 200 and red < 60


@pytest.mark.parametrize("kind", KINDS)
def test_deleting_an_upload_deletes_the_files_a_worker_made(
    kind, workers, use_backend, settings, upload_file
):
    worker = workers(kind)
    use_backend(kind)
    settings.IMAGEKIT_DELETE_WITH_SOURCE = True
    upload = Upload.objects.create(image=upload_file())
    _ = upload.thumbnail.url
    wait_until_generated(upload.thumbnail, [worker])
    wait_until_generated(upload.preview, [worker])
    files = [upload.thumbnail, upload.preview]
    names = [file.name for file in files]

    Upload.objects.get(pk=upload.pk).delete()  # autocommit: on_commit runs now

    assert not any(default_storage.exists(name) for name in names)
    # "Does not exist" for a minute (see CachedFileBackend.forget).
    assert [redis_state(file) for file in files] == ["does_not_exist", "does_not_exist"]
    assert default_storage.exists(upload.image.name)


@pytest.mark.parametrize("kind", KINDS)
def test_a_source_replaced_in_place_is_made_again_by_the_worker(
    kind, workers, use_backend, settings, tmp_path
):
    worker = workers(kind)
    use_backend(kind)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"allow_overwrite": True},
        },
    }
    upload = Upload.objects.create(image=jpeg(f"{kind}-replaced.jpg", "red"))
    _ = upload.thumbnail.url
    wait_until_generated(upload.thumbnail, [worker])
    name = upload.thumbnail.name
    assert not is_blue(center(default_storage, name))

    upload.image.save(f"{kind}-replaced.jpg", jpeg(f"{kind}-replaced.jpg", "blue"))

    assert Upload.objects.get(pk=upload.pk).thumbnail.name == name
    wait_for(
        lambda: is_blue(center(default_storage, name)),
        WORKER_TIMEOUT,
        f"the {kind} worker to make {name} again",
        logs=[worker],
    )


def test_a_source_overwritten_on_s3_gets_new_thumbnails_under_the_same_names(s3_storage):
    upload = Upload.objects.create(image=jpeg("on-s3.jpg", "red"))
    name = upload.thumbnail.name
    _ = upload.thumbnail.url
    assert not is_blue(center(s3_storage, name))

    # django-storages overwrites by default (file_overwrite=True).
    upload.image.save("on-s3.jpg", jpeg("on-s3.jpg", "blue"))

    assert upload.image.name == "uploads/on-s3.jpg"
    assert Upload.objects.get(pk=upload.pk).thumbnail.name == name
    assert is_blue(center(s3_storage, name))
