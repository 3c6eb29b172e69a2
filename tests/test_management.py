"""The ``generateimages`` management command.

Every run goes through ``call_command`` with its own output streams; the
images it generates land in the test's own ``MEDIA_ROOT`` (``media_storage``).
"""

from __future__ import annotations

import io
import os
import re
import shutil
from pathlib import Path

import pytest
from django.core.cache import caches
from django.core.files import File
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from PIL import Image

from imagekit import ImageSpec
from imagekit.cachefiles import ImageCacheFile
from imagekit.management.commands import generateimages
from imagekit.management.commands.generateimages import compile_pattern
from imagekit.processors import ResizeToFill
from imagekit.registry import generator_registry
from tests.support import commands
from tests.testapp.models import Photo

# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------


class Run(commands.Run):
    @property
    def headers(self) -> list[str]:
        return [line for line in self.lines if line.startswith("Validating generator: ")]


def run_command(*args: str) -> Run:
    """Run ``generateimages`` with *args*; keep its output and any CommandError."""
    return commands.run("generateimages", *args, kind=Run)


def cache_files_on_disk(storage) -> dict[str, bytes]:
    """Map every file below the storage's CACHE folder to its bytes."""
    root = Path(storage.location)
    return {
        str(path.relative_to(root)): path.read_bytes()
        for path in sorted((root / "CACHE").rglob("*"))
        if path.is_file()
    }


def image_size(storage, name: str) -> tuple[int, int]:
    with storage.open(name, "rb") as f:
        return Image.open(f).size


def thumbnail_file(photo: Photo) -> ImageCacheFile:
    return ImageCacheFile(Photo.thumbnail.get_spec(source=photo.original_image))


class SmallSpec(ImageSpec):
    processors = [ResizeToFill(20, 10)]
    format = "JPEG"


class OpeningSourceGroup:
    """A custom source group that opens the files it yields, as users write them."""

    def __init__(self, paths, opener) -> None:
        self.paths = paths
        self.opener = opener
        self.opened: list = []

    def files(self):
        for path in self.paths:
            file = self.opener(path)
            self.opened.append(file)
            yield file


# --------------------------------------------------------------------------
# Fixtures
# --------------------------------------------------------------------------


@pytest.fixture
def photos(db, media_storage, image_file):
    """Two saved Photos with 200x100 JPEGs."""
    return [
        Photo.objects.create(original_image=image_file(f"photo{i}.jpg", size=(200, 100)))
        for i in range(2)
    ]


@pytest.fixture
def small_spec(registrations):
    registrations.generator("tests:mgmt:small", SmallSpec)
    return "tests:mgmt:small"


@pytest.fixture
def source_paths(tmp_path, make_image):
    """Two JPEG files outside any storage."""
    folder = tmp_path / "sources"
    folder.mkdir()
    paths = []
    for i in range(2):
        path = folder / f"source{i}.jpg"
        path.write_bytes(make_image("JPEG", size=(80, 40), color=(i * 100, 50, 50)))
        paths.append(path)
    return paths


@pytest.fixture
def register_group(small_spec, registrations):
    """Register source groups for ``tests:mgmt:small``; unregister them afterwards."""
    return lambda group: registrations.source_group(small_spec, group)


@pytest.fixture
def pattern_ids(registrations):
    """Generators whose ids exercise the pattern syntax."""
    ids = ["mgmt:a:thumb", "mgmt:b:thumb", "mgmt:a:x:thumb", "mgmt:a:small", "mgmtx:thumb"]
    for gid in ids:
        registrations.generator(gid, SmallSpec)
    return ids


# --------------------------------------------------------------------------
# Id patterns
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "generator_id"),
    [
        ("a", "a"),
        ("a", "a:b"),
        ("a", "a:b:c"),
        ("a:*:c", "a:b:c"),
        ("a:*:c", "a::c"),
        ("a:**:c", "a:b:c"),
        ("a:**:c", "a:b:x:c"),
        ("a*", "abc"),
        ("a*", "abc:d"),
        ("*", "any:id:at:all"),
        ("**", "any:id"),
        ("a:b*:c", "a:bee:c"),
    ],
)
def test_a_pattern_matches(pattern, generator_id):
    assert compile_pattern(pattern).match(generator_id)


@pytest.mark.parametrize(
    ("pattern", "generator_id"),
    [
        ("a", "ab"),
        ("a", "b:a"),
        ("a:b", "a:bc"),
        ("a:*:c", "a:b:x:c"),
        ("a:*", "a"),
        ("a*", "b"),
        ("a:b*:c", "a:x:c"),
        ("a.b", "axb"),
        ("a+", "aa"),
    ],
)
def test_a_pattern_does_not_match(pattern, generator_id):
    assert not compile_pattern(pattern).match(generator_id)


def test_star_in_the_command_matches_within_one_segment(pattern_ids):
    run = run_command("mgmt:*:thumb")

    assert run.headers == [
        "Validating generator: mgmt:a:thumb",
        "Validating generator: mgmt:b:thumb",
    ]


def test_double_star_in_the_command_matches_across_segments(pattern_ids):
    run = run_command("mgmt:**:thumb")

    assert run.headers == [
        "Validating generator: mgmt:a:thumb",
        "Validating generator: mgmt:b:thumb",
        "Validating generator: mgmt:a:x:thumb",
    ]


def test_a_prefix_in_the_command_matches_every_id_below_it(pattern_ids):
    run = run_command("mgmt:a")

    assert run.headers == [
        "Validating generator: mgmt:a:thumb",
        "Validating generator: mgmt:a:x:thumb",
        "Validating generator: mgmt:a:small",
    ]


def test_several_patterns_in_the_command_are_combined(pattern_ids):
    run = run_command("mgmt:b", "mgmtx")

    assert run.headers == [
        "Validating generator: mgmt:b:thumb",
        "Validating generator: mgmtx:thumb",
    ]


def test_a_pattern_that_matches_no_generator_is_an_error_naming_it(pattern_ids, db):
    run = run_command("mgmt:b", "mgmt:typo")

    assert run.error is not None
    assert run.error.returncode == 1
    assert "'mgmt:typo'" in str(run.error)
    assert "'mgmt:b'" not in str(run.error)
    assert run.headers == []  # nothing was done


def test_without_patterns_every_registered_generator_is_validated(pattern_ids, db):
    run = run_command()

    assert run.headers == [f"Validating generator: {gid}" for gid in generator_registry.get_ids()]


# --------------------------------------------------------------------------
# ImageSpecField source groups
# --------------------------------------------------------------------------


def test_each_cache_file_is_listed_under_its_generator(photos):
    run = run_command("tests:photo:thumbnail")

    assert run.lines[:3] == [
        "Validating generator: tests:photo:thumbnail",
        f"  {thumbnail_file(photos[0]).name}",
        f"  {thumbnail_file(photos[1]).name}",
    ]


def test_the_cache_file_of_every_photo_is_generated(photos, media_storage):
    run_command("tests:photo:thumbnail")

    assert [image_size(media_storage, thumbnail_file(p).name) for p in photos] == [(50, 50)] * 2


def test_the_run_ends_with_a_summary_line(photos):
    run = run_command("tests:photo:thumbnail")

    assert run.lines[-1] == "2 generated, 0 already existed, 0 failed"


def test_a_successful_run_raises_no_error(photos):
    assert run_command("tests:photo:thumbnail").error is None


def test_only_the_matching_generators_files_are_generated(photos, media_storage):
    run_command("tests:photo:smartcropped_thumbnail")

    assert not media_storage.exists(thumbnail_file(photos[0]).name)


def test_a_photo_with_an_empty_image_field_is_skipped_silently(db, media_storage):
    Photo.objects.create()

    run = run_command("tests:photo:thumbnail")

    assert run.lines == [
        "Validating generator: tests:photo:thumbnail",
        "0 generated, 0 already existed, 0 failed",
    ]


# --------------------------------------------------------------------------
# Existing files, --force, --dry-run, --jobs, --progress
# --------------------------------------------------------------------------


def test_files_that_already_exist_are_counted_and_left_alone(photos, media_storage):
    run_command("tests:photo:thumbnail")
    before = cache_files_on_disk(media_storage)

    run = run_command("tests:photo:thumbnail")

    assert run.lines[-1] == "0 generated, 2 already existed, 0 failed"
    assert cache_files_on_disk(media_storage) == before


def test_force_regenerates_files_that_already_exist(photos, media_storage):
    run_command("tests:photo:thumbnail")
    name = thumbnail_file(photos[0]).name
    Path(media_storage.path(name)).write_bytes(b"stale")

    run = run_command("tests:photo:thumbnail", "--force")

    assert run.lines[-1] == "2 generated, 0 already existed, 0 failed"
    assert image_size(media_storage, name) == (50, 50)


def test_force_replaces_files_instead_of_adding_renamed_copies(photos, media_storage):
    run_command("tests:photo:thumbnail")
    before = set(cache_files_on_disk(media_storage))

    run_command("tests:photo:thumbnail", "--force")

    assert set(cache_files_on_disk(media_storage)) == before


def test_a_dry_run_lists_the_cache_files(photos):
    run = run_command("tests:photo:thumbnail", "--dry-run")

    assert run.lines[:3] == [
        "Validating generator: tests:photo:thumbnail",
        f"  {thumbnail_file(photos[0]).name}",
        f"  {thumbnail_file(photos[1]).name}",
    ]


def test_a_dry_run_lists_only_the_missing_files(photos, media_storage):
    _ = thumbnail_file(photos[0]).url  # made: no longer missing

    run = run_command("tests:photo:thumbnail", "--dry-run")

    assert run.lines == [
        "Validating generator: tests:photo:thumbnail",
        f"  {thumbnail_file(photos[1]).name}",
        "1 of 2 cache file(s) would be generated (missing) (dry run).",
    ]


def test_a_forced_dry_run_lists_every_file(photos, media_storage):
    _ = thumbnail_file(photos[0]).url

    run = run_command("tests:photo:thumbnail", "--dry-run", "--force")

    assert run.lines[1:] == [
        f"  {thumbnail_file(photos[0]).name}",
        f"  {thumbnail_file(photos[1]).name}",
        "2 of 2 cache file(s) would be regenerated (dry run).",
    ]


def test_a_dry_run_writes_nothing_to_the_storage(photos, media_storage):
    run_command("tests:photo:thumbnail", "--dry-run")

    assert not (Path(media_storage.location) / "CACHE").exists()


def test_two_jobs_produce_the_same_files_as_one(photos, media_storage):
    run_command("tests:photo:thumbnail", "tests:photo:smartcropped_thumbnail", "--jobs", "1")
    with_one_job = cache_files_on_disk(media_storage)
    shutil.rmtree(Path(media_storage.location) / "CACHE")
    caches["default"].clear()  # forget the "exists" states, as a site resets

    run = run_command("tests:photo:thumbnail", "tests:photo:smartcropped_thumbnail", "--jobs", "2")

    assert run.lines[-1] == "4 generated, 0 already existed, 0 failed"
    assert cache_files_on_disk(media_storage) == with_one_job


def test_two_jobs_generate_in_worker_processes(photos, media_storage, monkeypatch, tmp_path):
    # Workers are forked, so they run this recording wrapper too.
    pids = tmp_path / "pids"
    pids.mkdir()
    real_process_file = generateimages.process_file

    def recording_process_file(file, force=False):
        (pids / str(os.getpid())).touch()
        return real_process_file(file, force=force)

    monkeypatch.setattr(generateimages, "process_file", recording_process_file)

    run_command("tests:photo:thumbnail", "--jobs", "2")

    assert {path.name for path in pids.iterdir()} - {str(os.getpid())}


def test_jobs_must_be_at_least_one(db):
    assert "--jobs" in str(run_command("--jobs", "0").error)


def test_the_progress_bar_shows_the_counts(photos):
    run = run_command("tests:photo:thumbnail", "--progress", "always")

    assert "1/2" in run.stdout
    assert re.search(r"\[#+\] 2/2", run.stdout)


def test_the_progress_bar_still_ends_with_the_summary(photos):
    run = run_command("tests:photo:thumbnail", "--progress", "always")

    assert run.lines[-1] == "2 generated, 0 already existed, 0 failed"


# --------------------------------------------------------------------------
# Failures and missing sources
# --------------------------------------------------------------------------


@pytest.fixture
def corrupt_photo(db, media_storage):
    return Photo.objects.create(
        original_image=SimpleUploadedFile("corrupt.jpg", b"these bytes are not a JPEG")
    )


@pytest.fixture
def good_and_corrupt_photos(photos, corrupt_photo):
    return photos[0], corrupt_photo


def test_a_failing_source_is_reported_on_stderr_with_file_source_and_reason(
    good_and_corrupt_photos,
):
    _good, corrupt = good_and_corrupt_photos

    run = run_command("tests:photo:thumbnail")

    (report,) = run.stderr.splitlines()
    assert thumbnail_file(corrupt).name in report
    assert f"(source {corrupt.original_image.name})" in report
    assert "cannot identify image file" in report


def screen(text: str) -> list[str]:
    """Return the lines a terminal shows for *text*: ``\\r`` goes back to the line's start."""
    lines = []
    for raw in text.split("\n"):
        shown: list[str] = []
        column = 0
        for char in raw:
            if char == "\r":
                column = 0
                continue
            if column < len(shown):
                shown[column] = char
            else:
                shown.append(char)
            column += 1
        lines.append("".join(shown).rstrip())
    return lines


def test_a_failure_line_never_breaks_the_progress_line(good_and_corrupt_photos):
    terminal = io.StringIO()  # stdout and stderr on one terminal

    with pytest.raises(CommandError):
        call_command(
            "generateimages",
            "tests:photo:thumbnail",
            "--progress",
            "always",
            stdout=terminal,
            stderr=terminal,
        )

    lines = screen(terminal.getvalue())
    (failure,) = [line for line in lines if "Failed" in line]
    assert failure.startswith("\tFailed ")
    assert "[" not in failure.split("Failed")[0]
    assert any(re.match(r"\[#+\] 3/3", line) for line in lines)


def test_a_failing_source_does_not_stop_the_other_files(good_and_corrupt_photos, media_storage):
    good, _corrupt = good_and_corrupt_photos

    run_command("tests:photo:thumbnail")

    assert media_storage.exists(thumbnail_file(good).name)


def test_a_failing_source_is_counted_in_the_summary(good_and_corrupt_photos):
    run = run_command("tests:photo:thumbnail")

    assert run.lines[-1] == "2 generated, 0 already existed, 1 failed"


def test_the_exit_status_of_a_failed_run_is_not_zero(corrupt_photo):
    with pytest.raises(CommandError) as excinfo:
        call_command(
            "generateimages", "tests:photo:thumbnail", stdout=io.StringIO(), stderr=io.StringIO()
        )

    assert excinfo.value.returncode == 1


@pytest.fixture
def photo_without_its_file(db, media_storage, image_file):
    """A Photo whose image was deleted from the storage."""
    photo = Photo.objects.create(original_image=image_file("gone.jpg"))
    media_storage.delete(photo.original_image.name)
    return Photo.objects.get(pk=photo.pk)


def test_a_missing_source_file_is_reported_as_no_source(photo_without_its_file):
    run = run_command("tests:photo:thumbnail")

    assert run.lines[:2] == [
        "Validating generator: tests:photo:thumbnail",
        f"  {thumbnail_file(photo_without_its_file).name}",
    ]
    assert run.lines[2].startswith("\t No source associated with")


def test_the_no_source_message_names_the_spec_and_the_source(photo_without_its_file):
    run = run_command("tests:photo:thumbnail")

    message = run.lines[2]
    assert "tests:photo:thumbnail" in message
    assert photo_without_its_file.original_image.name in message


def test_a_missing_source_file_is_not_a_failure(photo_without_its_file):
    run = run_command("tests:photo:thumbnail")

    assert run.error is None
    assert run.stderr == ""


# --------------------------------------------------------------------------
# Custom source groups and cache file callables
# --------------------------------------------------------------------------

OPENERS = {
    "django File": lambda path: File(open(path, "rb")),
    "binary file": lambda path: open(path, "rb"),
    "text-mode file": open,
}


@pytest.mark.parametrize("kind", OPENERS)
def test_a_custom_source_groups_files_are_generated(
    kind, register_group, source_paths, media_storage, small_spec
):
    group = register_group(OpeningSourceGroup(source_paths, OPENERS[kind]))

    run = run_command(small_spec)

    assert run.lines[-1] == "2 generated, 0 already existed, 0 failed"
    listed = [line.strip() for line in run.lines if line.startswith("  ")]
    assert [image_size(media_storage, name) for name in listed] == [(20, 10)] * 2
    assert len(group.opened) == 2


@pytest.mark.parametrize("kind", ["binary file", "text-mode file"])
def test_the_command_closes_the_plain_files_a_source_group_opened(
    kind, register_group, source_paths, media_storage, small_spec
):
    group = register_group(OpeningSourceGroup(source_paths, OPENERS[kind]))

    run_command(small_spec)

    assert [f.closed for f in group.opened] == [True, True]


@pytest.mark.parametrize("kind", ["binary file", "text-mode file"])
def test_a_dry_run_closes_the_plain_files_a_source_group_opened(
    kind, register_group, source_paths, media_storage, small_spec
):
    group = register_group(OpeningSourceGroup(source_paths, OPENERS[kind]))

    run_command(small_spec, "--dry-run")

    assert [f.closed for f in group.opened] == [True, True]


def test_plain_files_are_generated_with_two_jobs(
    register_group, source_paths, media_storage, small_spec
):
    group = register_group(OpeningSourceGroup(source_paths, OPENERS["binary file"]))

    run = run_command(small_spec, "--jobs", "2")

    assert run.lines[-1] == "2 generated, 0 already existed, 0 failed"
    assert [f.closed for f in group.opened] == [True, True]


@pytest.fixture
def registered_cachefiles(small_spec, source_paths, registrations):
    def cachefiles():
        for path in source_paths:
            yield ImageCacheFile(SmallSpec(source=File(open(path, "rb"))))

    return registrations.cachefiles(small_spec, cachefiles)


def test_the_files_of_a_registered_cachefiles_callable_are_generated(
    registered_cachefiles, media_storage, small_spec
):
    run = run_command(small_spec)

    assert run.lines[-1] == "2 generated, 0 already existed, 0 failed"
    assert len(cache_files_on_disk(media_storage)) == 2


def test_a_generator_without_cache_files_only_gets_its_header(small_spec, media_storage):
    run = run_command(small_spec)

    assert run.lines == [
        f"Validating generator: {small_spec}",
        "0 generated, 0 already existed, 0 failed",
    ]


def test_source_files_outside_the_storage_are_named_by_hash(
    register_group, source_paths, media_storage, small_spec
):
    register_group(OpeningSourceGroup(source_paths, OPENERS["binary file"]))

    run = run_command(small_spec)

    listed = [line.strip() for line in run.lines if line.startswith("  ")]
    assert all(
        re.fullmatch(r"CACHE/images/[0-9a-f]{32}\.jpg", n.replace(os.sep, "/")) for n in listed
    )


class CountingOpenSourceGroup(OpeningSourceGroup):
    """Records the most files it had open at once while yielding them."""

    def __init__(self, paths) -> None:
        super().__init__(paths, lambda path: open(path, "rb"))
        self.most_open = 0

    def files(self):
        for file in super().files():
            self.most_open = max(self.most_open, sum(not f.closed for f in self.opened))
            yield file


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_plain_files_are_handled_one_at_a_time_not_all_opened_first(
    db, media_storage, register_group, small_spec, tmp_path, make_image, jobs
):
    # A custom group of many plain files must not exhaust file descriptors.
    data = make_image("JPEG", size=(40, 20))
    paths = []
    for i in range(30):
        path = tmp_path / f"many{i}.jpg"
        path.write_bytes(data)
        paths.append(path)
    group = register_group(CountingOpenSourceGroup(paths))

    run = run_command(small_spec, "--jobs", jobs)

    assert run.error is None
    assert group.most_open <= 2
    assert all(file.closed for file in group.opened)
