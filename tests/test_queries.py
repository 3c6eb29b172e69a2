"""Laziness: loading models and building cache files costs no query and no storage I/O."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from imagekit.cachefiles import LazyImageCacheFile
from tests.testapp.models import Photo

REPO_ROOT = Path(__file__).resolve().parent.parent

#: Every storage method that may reach the disk (or a remote service).
STORAGE_METHODS = [
    "open",
    "save",
    "delete",
    "exists",
    "listdir",
    "size",
    "url",
    "path",
    "get_accessed_time",
    "get_created_time",
    "get_modified_time",
    "get_available_name",
]

# A storage that notes each method call, written to a folder of its own: it
# imports nothing from the test app, so that Django can load it while the app
# registry is still being populated (the subprocess test below needs that).
COUNTING_STORAGE_MODULE = f"""
from django.core.files.storage import FileSystemStorage

calls = []


def _counted(name):
    original = getattr(FileSystemStorage, name)

    def method(self, *args, **kwargs):
        calls.append(name)
        return original(self, *args, **kwargs)

    return method


class CountingStorage(FileSystemStorage):
    pass


for _name in {STORAGE_METHODS!r}:
    setattr(CountingStorage, _name, _counted(_name))
"""


def write_counting_storage(folder: Path) -> None:
    (folder / "counting_storage.py").write_text(COUNTING_STORAGE_MODULE)


@pytest.fixture
def counting_storage(settings, tmp_path, monkeypatch):
    """Make a counting storage the default storage; return its call log."""
    write_counting_storage(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "counting_storage", raising=False)
    module = importlib.import_module("counting_storage")
    settings.MEDIA_ROOT = str(tmp_path)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "counting_storage.CountingStorage"},
    }
    return module.calls


@pytest.fixture
def photos(db):
    """Three photos whose files are only names (creating them does no file I/O)."""
    return [Photo.objects.create(original_image=f"photos/{n}.jpg") for n in range(3)]


# --- database queries -----------------------------------------------------------


def test_loading_photos_runs_exactly_one_query(photos, django_assert_num_queries):
    with django_assert_num_queries(1):
        list(Photo.objects.all())


def test_reading_the_thumbnail_names_of_loaded_photos_runs_no_query(
    photos, django_assert_num_queries
):
    loaded = list(Photo.objects.all())

    with django_assert_num_queries(0):
        for photo in loaded:
            photo.thumbnail.name  # noqa: B018 - the access is what is measured


@pytest.mark.django_db
def test_reading_the_thumbnail_urls_of_loaded_photos_runs_no_query(
    media_storage, image_file, django_assert_num_queries
):
    for n in range(3):
        Photo.objects.create(original_image=image_file(f"{n}.jpg"))
    loaded = list(Photo.objects.all())

    with django_assert_num_queries(0):
        for photo in loaded:
            photo.thumbnail.url  # noqa: B018 - generates the file, but queries nothing


def test_reading_the_thumbnail_of_a_photo_with_its_source_deferred_runs_one_query(
    photos, django_assert_num_queries
):
    (photo,) = Photo.objects.defer("original_image")[:1]

    # Only the deferred source itself is fetched, once.
    with django_assert_num_queries(1):
        photo.thumbnail.name  # noqa: B018


# --- storage I/O ----------------------------------------------------------------


def test_the_counting_storage_counts(counting_storage):
    # Guards the tests below: a storage call is noticed.
    from django.core.files.storage import default_storage

    default_storage.exists("anything.jpg")

    assert "exists" in counting_storage


def test_loading_photos_does_no_storage_io(photos, counting_storage):
    list(Photo.objects.all())

    assert counting_storage == []


def test_building_thumbnails_of_loaded_photos_does_no_storage_io(photos, counting_storage):
    for photo in Photo.objects.all():
        photo.thumbnail.name  # noqa: B018

    assert counting_storage == []


def test_the_repr_and_str_of_a_thumbnail_do_no_storage_io(counting_storage):
    thumbnail = Photo(original_image="photos/a.jpg").thumbnail

    repr(thumbnail), str(thumbnail)

    assert counting_storage == []


def test_building_a_lazy_cache_file_does_no_storage_io(counting_storage):
    LazyImageCacheFile("tests:photo:thumbnail", source=Photo(original_image="a.jpg"))

    assert counting_storage == []


COUNTING_SETTINGS_MODULE = """
from tests.testapp.settings import *  # noqa: F403

STORAGES = {
    "default": {"BACKEND": "counting_storage.CountingStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
"""

IMPORT_SCRIPT = """
import json
import sys

import django

django.setup()

import imagekit
import imagekit.admin
import imagekit.cachefiles
import imagekit.forms
import imagekit.models
import imagekit.specs.sourcegroups
from imagekit.registry import generator_registry
from tests.testapp.models import Photo

import counting_storage

list(generator_registry.get_ids())  # autodiscovers the imagegenerators modules
Photo(original_image="photos/a.jpg").thumbnail.name
sys.stdout.write(json.dumps(counting_storage.calls))
"""


def test_importing_imagekit_and_setting_up_django_does_no_storage_io(tmp_path):
    write_counting_storage(tmp_path)
    (tmp_path / "counting_settings.py").write_text(COUNTING_SETTINGS_MODULE)
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "counting_settings",
        "PYTHONPATH": os.pathsep.join([str(tmp_path), str(REPO_ROOT)]),
    }

    result = subprocess.run(
        [sys.executable, "-c", IMPORT_SCRIPT],
        capture_output=True,
        text=True,
        env=environment,
        cwd=tmp_path,
        check=False,
    )

    assert (result.returncode, result.stdout) == (0, "[]"), result.stderr
