"""``cleanupimages`` on S3 (moto's server, through django-storages), with states in Redis."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from io import StringIO

import pytest
from django.core.management import call_command
from django.template import Context, Template

from .helpers import redis_state
from .models import Upload

pytestmark = pytest.mark.django_db(transaction=True)

TAG = Template("{% load imagekit %}{% thumbnail '20x20' upload.image %}")

#: More than one page of a listing (S3 lists 1,000 keys a request).
BULK = 1500


def bucket_keys(storage) -> set[str]:
    return {item.key for item in storage.bucket.objects.all()}


def cleanup(*args: str) -> list[str]:
    out = StringIO()
    call_command("cleanupimages", *args, stdout=out, stderr=StringIO())
    return out.getvalue().splitlines()


def put_many(storage, names: list[str]) -> None:
    client = storage.connection.meta.client
    with ThreadPoolExecutor(8) as pool:
        list(
            pool.map(
                lambda name: client.put_object(Bucket=storage.bucket_name, Key=name, Body=b"x"),
                names,
            )
        )


@pytest.fixture
def site(s3_storage, upload_file):
    """Three uploads with their files made; the first one deleted; a tag file of the second."""
    uploads = [Upload.objects.create(image=upload_file()) for _ in range(3)]
    for upload in uploads:
        _ = upload.thumbnail.url
    page = TAG.render(Context({"upload": uploads[1]}))
    tag_file = re.search(r'src="[^"]*/(CACHE/[^"]+)"', page).group(1)
    gone = uploads[0]
    gone_files = {gone.thumbnail.name, gone.preview.name}
    gone.delete()
    return uploads[1:], gone_files, tag_file


def test_cleanup_removes_the_files_of_a_deleted_upload_from_s3(s3_storage, site):
    kept_uploads, gone_files, tag_file = site
    before = bucket_keys(s3_storage)

    lines = cleanup()

    assert bucket_keys(s3_storage) == before - gone_files
    assert lines[-2].startswith("Removed 2 file(s)")
    assert tag_file in bucket_keys(s3_storage)
    assert all(u.image.name in bucket_keys(s3_storage) for u in kept_uploads)


def test_the_state_of_each_removed_file_goes_too(s3_storage, site):
    kept_uploads, gone_files, _tag_file = site
    [thumbnail] = [name for name in gone_files if name.endswith(".jpg")]

    class Named:
        name = thumbnail
        cachefile_backend = kept_uploads[0].thumbnail.cachefile_backend

    assert redis_state(Named) == "exists"

    cleanup()

    # "Does not exist" for a minute (see CachedFileBackend.forget), so that a
    # page that saw the file just before cannot record it as existing again.
    assert redis_state(Named) == "does_not_exist"


def test_a_dry_run_on_s3_lists_sizes_and_removes_nothing(s3_storage, site):
    _kept, gone_files, _tag_file = site
    before = bucket_keys(s3_storage)

    lines = cleanup("--dry-run")

    assert bucket_keys(s3_storage) == before
    listed = sorted(line.split(" (")[0].strip() for line in lines if line.startswith("  "))
    assert listed == sorted(gone_files)
    assert all(re.search(r"\(\d+ B, no longer the field's file\)$", line) for line in lines[:2])


def test_thousands_of_files_are_listed_in_pages_and_removed_in_batches(s3_storage, site):
    kept_uploads, gone_files, tag_file = site
    bulk = [f"CACHE/images/bulk/{i:05d}.jpg" for i in range(BULK)]
    outside = ["CACHE/elsewhere/x.jpg", "uploads/notes.txt"]
    put_many(s3_storage, bulk + outside)

    kept = cleanup()
    removed = cleanup("--include-tag-files", "--jobs", "4")

    assert f"{BULK} of unknown origin" in kept[-1]
    assert removed[-2].startswith(f"Removed {BULK + 1} file(s)")
    keys = bucket_keys(s3_storage)
    assert not keys & set(bulk)
    assert tag_file not in keys
    assert set(outside) <= keys
    in_use = {name for u in kept_uploads for name in (u.thumbnail.name, u.preview.name)}
    assert in_use <= keys
    assert not keys & gone_files
