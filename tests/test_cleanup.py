"""The ``cleanupimages`` management command, on the local file system.

Files are made the way a site makes them (a page reads ``url``, a template
tag renders, ``generateimages`` runs) and the command is run through
``call_command``. The S3 counterpart is ``tests/scale/test_cleanup_s3.py``.
"""

from __future__ import annotations

import io
import os
import re
from pathlib import Path

import pytest
from django.core.cache import caches
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.template import Context, Template

from imagekit import ImageSpec, unregister
from imagekit.cachefiles import ImageCacheFile
from imagekit.cachefiles.backends import get_default_cachefile_backend, lock
from imagekit.processors import ResizeToFill
from tests.support.commands import cleanup
from tests.support.files import age, age_all, files_below
from tests.testapp.models import Photo

THUMBNAIL_TAG = Template("{% load imagekit %}{% thumbnail '20x10' photo.original_image %}")


def tag_file_name(photo: Photo) -> str:
    page = THUMBNAIL_TAG.render(Context({"photo": photo}))
    return re.search(r'src="/media/([^"]+)"', page).group(1)


@pytest.fixture
def photos(db, media_storage, image_file) -> list[Photo]:
    """Three photos, each with its thumbnail made (as a page would)."""
    made = [Photo.objects.create(original_image=image_file(f"p{i}.jpg")) for i in range(3)]
    for photo in made:
        _ = photo.thumbnail.url
    return made


# --- what goes --------------------------------------------------------------------


def test_nothing_goes_while_every_file_is_in_use(photos, media_storage):
    before = files_below(media_storage)
    age_all(media_storage)

    run = cleanup()

    assert run.error is None
    assert files_below(media_storage) == before
    assert run.lines == ["Removed 0 file(s), 0 B.", "Kept 3 file(s): 3 in use."]


def test_the_thumbnail_of_a_deleted_photo_goes(photos, media_storage):
    gone = photos[0].thumbnail.name
    photos[0].delete()  # Django leaves the source file in the storage
    age_all(media_storage)

    run = cleanup()

    assert run.listed == [gone]
    assert not media_storage.exists(gone)
    assert all(media_storage.exists(p.thumbnail.name) for p in photos[1:])
    assert "1 no longer the field's file" in run.lines[-2]


def test_the_thumbnail_of_a_replaced_image_goes(photos, media_storage, image_file):
    old = photos[0].thumbnail.name
    photos[0].original_image = image_file("other.jpg")
    photos[0].save()
    new = photos[0].thumbnail.url.removeprefix("/media/")
    age_all(media_storage)

    run = cleanup()

    assert run.listed == [old]
    assert media_storage.exists(new)


def test_files_whose_source_file_is_gone_go(photos, media_storage):
    photo = photos[0]
    tag_file = tag_file_name(photo)
    thumbnail = photo.thumbnail.name
    media_storage.delete(photo.original_image.name)
    photo.delete()
    age_all(media_storage)

    run = cleanup()

    assert run.listed == sorted([tag_file, thumbnail])
    assert "1 source gone" in run.lines[-2]  # the tag file's
    assert "1 no longer the field's file" in run.lines[-2]


def test_the_files_of_a_changed_spec_go_and_the_current_ones_stay(
    photos, media_storage, registrations
):
    class Bigger(ImageSpec):
        processors = [ResizeToFill(60, 60)]
        format = "JPEG"

    old_names = sorted(p.thumbnail.name for p in photos)
    original = Photo.thumbnail.get_spec(source=photos[0].original_image).__class__
    # As after a deployment; the fixture puts the model's spec back afterwards.
    registrations.generator("tests:photo:thumbnail", Bigger, replacing=original)
    fresh = [Photo.objects.get(pk=p.pk) for p in photos]
    new_names = sorted(p.thumbnail.url.removeprefix("/media/") for p in fresh)
    age_all(media_storage)

    run = cleanup()

    assert run.listed == old_names
    assert "3 spec changed" in run.lines[-2]
    assert all(media_storage.exists(name) for name in new_names)


def test_template_tag_files_of_existing_sources_stay_and_are_counted(photos, media_storage):
    tag_file = tag_file_name(photos[0])
    age_all(media_storage)

    run = cleanup()

    assert run.listed == []
    assert media_storage.exists(tag_file)
    assert run.lines[-1] == (
        "Kept 4 file(s): 3 in use, 1 made by template tags for sources that still exist "
        "(--include-tag-files removes them)."
    )


def test_include_tag_files_removes_them_and_a_page_makes_them_again(
    photos, media_storage, in_request
):
    with in_request():
        tag_file = tag_file_name(photos[0])  # remembered by this process, too
    age_all(media_storage)

    run = cleanup("--include-tag-files")

    assert run.listed == [tag_file]
    assert not media_storage.exists(tag_file)
    with in_request():
        assert tag_file_name(photos[0]) == tag_file
    assert media_storage.exists(tag_file)


def test_files_of_unknown_origin_stay_unless_asked(photos, media_storage):
    tag_file = tag_file_name(photos[0])
    caches["default"].clear()  # the records go with the states
    age_all(media_storage)

    kept = cleanup()
    removed = cleanup("--include-tag-files")

    assert kept.listed == []
    assert "1 of unknown origin (--include-tag-files removes them)" in kept.lines[-1]
    assert removed.listed == [tag_file]


# --- temporary files ---------------------------------------------------------------


def test_old_temporary_files_go_and_recent_ones_stay(photos, media_storage, settings):
    settings.IMAGEKIT_GENERATING_TIMEOUT = 60
    folder = os.path.dirname(photos[0].thumbnail.name)
    old = media_storage.save(f"{folder}/.ik-0123456789abcdef.tmp", ContentFile(b"half"))
    recent = media_storage.save(f"{folder}/.ik-fedcba9876543210.tmp", ContentFile(b"half"))
    age(media_storage, old, 61)

    run = cleanup()

    assert run.listed == [old]
    assert media_storage.exists(recent)
    assert "1 temporary file" in run.lines[-2]


# --- what is never touched ------------------------------------------------------------


def test_nothing_outside_the_cache_folder_is_touched(photos, media_storage):
    outside = [
        media_storage.save("CACHE/other/x.jpg", ContentFile(b"x")),
        media_storage.save("notes/.ik-0123456789abcdef.tmp", ContentFile(b"x")),
        media_storage.save("CACHE/imagesque/y.jpg", ContentFile(b"y")),
    ]
    photos[0].delete()
    for name in outside:
        age(media_storage, name, 86400)
    age_all(media_storage)

    cleanup("--include-tag-files")

    assert all(media_storage.exists(name) for name in outside)
    assert all(media_storage.exists(p.original_image.name) for p in photos)


def test_a_file_being_generated_is_not_removed(photos, media_storage):
    name = photos[0].thumbnail.name
    photos[0].delete()
    age_all(media_storage)
    # Another process holds the generation lock of that name.
    backend = get_default_cachefile_backend()
    token = lock.acquire(backend, ImageCacheFile(Photo.thumbnail.get_spec(source=None), name=name))
    assert token is not None

    run = cleanup()

    assert media_storage.exists(name)
    assert "1 being generated" in run.lines[-1]


def test_recent_files_stay_with_older_than(photos, media_storage):
    name = photos[0].thumbnail.name
    photos[0].delete()
    age_all(media_storage, 3 * 3600)

    recent = cleanup("--older-than", "1d")
    assert recent.listed == []
    assert media_storage.exists(name)

    old = cleanup("--older-than", "2h")
    assert old.listed == [name]
    assert not media_storage.exists(name)


def test_a_bad_duration_is_an_error_naming_it(db):
    run = cleanup("--older-than", "ten days")

    assert "'ten days'" in str(run.error)


# --- patterns, dry runs, jobs, output ------------------------------------------------


def test_a_dry_run_lists_what_would_go_with_sizes_and_removes_nothing(photos, media_storage):
    name = photos[0].thumbnail.name
    size = media_storage.size(name)
    photos[0].delete()
    age_all(media_storage)
    before = files_below(media_storage)

    run = cleanup("--dry-run")

    assert files_below(media_storage) == before
    assert run.lines[0] == f"  {name} ({size} B, no longer the field's file)"
    assert run.lines[1] == f"Would remove 1 file(s), {size} B: 1 no longer the field's file."


def test_a_pattern_limits_the_run_to_its_generators(photos, media_storage):
    tag_file = tag_file_name(photos[0])
    thumbnail = photos[0].thumbnail.name
    media_storage.delete(photos[0].original_image.name)
    photos[0].delete()
    age_all(media_storage)

    run = cleanup("tests:photo")

    assert run.listed == [thumbnail]
    assert media_storage.exists(tag_file)


def test_a_pattern_that_matches_no_generator_is_an_error(db):
    run = cleanup("tests:nothing:here")

    assert run.error is not None
    assert "'tests:nothing:here'" in str(run.error)


def test_two_jobs_remove_the_same_files_as_one(db, media_storage, image_file):
    photos = [Photo.objects.create(original_image=image_file(f"p{i}.jpg")) for i in range(6)]
    names = sorted(p.thumbnail.url.removeprefix("/media/") for p in photos)
    Photo.objects.all().delete()
    age_all(media_storage)

    run = cleanup("--jobs", "2")

    assert run.listed == names
    assert files_below(media_storage, "CACHE") == set()


def test_the_progress_bar_ends_with_the_summary(photos, media_storage):
    photos[0].delete()
    age_all(media_storage)

    run = cleanup("--progress", "always")

    assert re.search(r"\[#+\] 1/1", run.stdout)
    assert run.lines[-2].startswith("Removed 1 file(s)")


def test_a_removed_file_of_a_photo_made_again_is_generated_anew(photos, media_storage):
    # The state goes with the file: nothing says it still exists.
    tag_file = tag_file_name(photos[0])
    age_all(media_storage)
    cleanup("--include-tag-files")

    page = THUMBNAIL_TAG.render(Context({"photo": photos[0]}))

    assert tag_file in page
    assert media_storage.exists(tag_file)


def test_the_files_of_a_generator_no_longer_registered_go(photos, media_storage, registrations):
    class Banner(ImageSpec):
        processors = [ResizeToFill(30, 10)]
        format = "PNG"

    registrations.generator("tests:cleanup:banner", Banner)
    page = Template(
        "{% load imagekit %}{% generateimage 'tests:cleanup:banner' source=photo.original_image %}"
    ).render(Context({"photo": photos[0]}))
    unregister.generator("tests:cleanup:banner")  # as after a deployment
    banner = re.search(r'src="/media/([^"]+)"', page).group(1)
    age_all(media_storage)

    run = cleanup()

    assert run.listed == [banner]
    assert "1 generator no longer registered" in run.lines[-2]


# --- while pages are served -------------------------------------------------------------


def test_pages_served_during_cleanups_never_keep_a_missing_file(
    db, media_storage, image_file, in_request
):
    import threading

    photos = [Photo.objects.create(original_image=image_file(f"live{i}.jpg")) for i in range(4)]
    page = Template(
        "{% load imagekit %}{% for photo in photos %}"
        "{% thumbnail '20x10' photo.original_image %}{{ photo.thumbnail.url }} "
        "{% endfor %}"
    )

    def render() -> list[str]:
        with in_request():
            html = page.render(Context({"photos": photos}))
        return re.findall(r"/media/(CACHE/[^\" ]+)", html)

    stop = threading.Event()
    errors: list[BaseException] = []

    def serve() -> None:
        try:
            while not stop.is_set():
                render()
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)

    servers = [threading.Thread(target=serve) for _ in range(2)]
    for thread in servers:
        thread.start()
    try:
        for _ in range(15):
            cleanup("--include-tag-files")
    finally:
        stop.set()
        for thread in servers:
            thread.join()

    assert errors == []
    # The next page after the cleanups: every file it names is there.
    names = render()
    assert len(names) == 8
    assert [name for name in names if not media_storage.exists(name)] == []


def test_a_page_that_saw_the_file_just_before_a_cleanup_removed_it_does_not_record_it(
    db, media_storage, image_file, monkeypatch
):
    # The race, made to happen every time: the page finds no state (the cache
    # was cleared), asks the storage, and the storage says the file exists;
    # before the page can record that, cleanupimages removes the file.
    photo = Photo.objects.create(original_image=image_file("raced.jpg"))
    name = tag_file_name(photo)
    caches["default"].clear()
    age_all(media_storage)
    real_exists = media_storage.exists
    raced = []

    def exists_then_cleanup(asked):
        answer = real_exists(asked)
        if asked == name and not raced:
            raced.append(asked)
            assert "Removed 1 file(s)" in cleanup("--include-tag-files").lines[-2]
        return answer

    monkeypatch.setattr(media_storage, "exists", exists_then_cleanup)
    # URLs only: reading the size would open the file, and a missing file is
    # noticed then (see test_lifecycle); a page of links never opens it.
    page = Template(
        "{% load imagekit %}{% thumbnail '20x10' photo.original_image as t %}{{ t.url }}"
    )

    page.render(Context({"photo": photo}))  # the page that raced
    after = page.render(Context({"photo": photo})).removeprefix("/media/")  # the next one

    assert raced == [name]
    assert after == name
    assert media_storage.exists(name)


def test_generateimages_running_alongside_loses_no_file(
    transactional_db, media_storage, image_file
):
    import threading

    photos = [Photo.objects.create(original_image=image_file(f"gen{i}.jpg")) for i in range(6)]
    outputs: list[str] = []

    def generate() -> None:
        for _ in range(3):
            out, err = io.StringIO(), io.StringIO()
            call_command("generateimages", "tests:photo", "--force", stdout=out, stderr=err)
            outputs.append(out.getvalue().splitlines()[-1] + err.getvalue())

    thread = threading.Thread(target=generate)
    thread.start()
    try:
        while thread.is_alive():
            cleanup("--include-tag-files")
    finally:
        thread.join()

    assert outputs == ["12 generated, 0 already existed, 0 failed"] * 3
    names = [f.name for p in photos for f in (p.thumbnail, p.smartcropped_thumbnail)]
    assert [name for name in names if not media_storage.exists(name)] == []


def test_a_storage_without_local_paths_is_listed_with_listdir(settings, db, image_file):
    # Django's InMemoryStorage: no path(), only listdir, size and times.
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }
    from django.core.files.storage import storages

    storage = storages["default"]
    photos = [Photo.objects.create(original_image=image_file(f"m{i}.jpg")) for i in range(2)]
    names = [p.thumbnail.url.removeprefix("/media/") for p in photos]
    assert all(storage.exists(name) for name in names)
    photos[0].delete()

    run = cleanup()

    assert run.listed == [names[0]]
    assert not storage.exists(names[0])
    assert storage.exists(names[1])


def test_a_template_tag_file_of_a_source_overwritten_since_goes(photos, media_storage, make_image):
    tag_file = tag_file_name(photos[0])
    age_all(media_storage)
    # Overwritten under its name, behind the model's back.
    Path(media_storage.path(photos[0].original_image.name)).write_bytes(
        make_image("JPEG", size=(64, 48), color="blue")
    )

    run = cleanup()

    assert run.listed == [tag_file]
    assert "1 source replaced" in run.lines[-2]
    assert tag_file_name(photos[0]) == tag_file  # the next page makes it from the new source
    assert media_storage.exists(tag_file)


def test_cleanup_jobs_must_be_at_least_one(db, media_storage):
    assert "--jobs must be 1 or more" in str(cleanup("--jobs", "0").error)
