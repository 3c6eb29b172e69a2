"""The features of issues 11, 12 and 13 used together, as a site combining them would.

Pictures (``{% picture %}``, ``ImageSpecField(widths=...)``) with the cache
lifecycle (``cleanupimages``, ``IMAGEKIT_DELETE_WITH_SOURCE``, sources
replaced in place, a gone source) and with the hardened pipeline (output
cap, EXIF orientation, animation, HEIC).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.cache import caches
from django.core.management import call_command
from django.template import Context, Template
from PIL import Image

from imagekit.exceptions import OutputTooLarge
from tests.models import PictureSpecPhoto
from tests.reliability.images import oriented_jpeg
from tests.test_cleanup import age_all, cleanup, files_below
from tests.test_pictures import parse, srcset_urls, srcset_widths, stored, stored_image

PICTURE = "{% load imagekit %}{% picture '4x3' src widths='40 80' formats='webp' %}"


def render(source: str, **context) -> str:
    return Template("{% load imagekit %}" + source).render(Context(context))


def picture_names(html: str) -> set[str]:
    """The storage names of every file a rendered picture refers to."""
    names = set()
    for tag, attrs in parse(html):
        if tag in ("source", "img") and attrs.get("srcset"):
            names.update(url.removeprefix("/media/") for url in srcset_urls(attrs["srcset"]))
    return names


def declared_names(photo: PictureSpecPhoto) -> set[str]:
    return picture_names(render("{% picture p.hero %}", p=photo))


def picture_key(name: str) -> str:
    """The cache key of what the picture of the base file *name* learnt (its placeholder)."""
    from django.conf import settings

    from imagekit.utils import sanitize_cache_key

    prefix = getattr(settings, "IMAGEKIT_CACHE_PREFIX", "imagekit:")
    return sanitize_cache_key(f"{prefix}{name}-picture")


@pytest.fixture
def source(media_storage, image_file):
    return stored(media_storage, "photos/dog.jpg", image_file("dog.jpg", size=(400, 300)))


@pytest.fixture
def declared(db, media_storage, image_file) -> PictureSpecPhoto:
    """A photo whose spec field declares variants (made when it is saved)."""
    return PictureSpecPhoto.objects.create(image=image_file("d.jpg", size=(320, 240)))


# --- cleanupimages and pictures ------------------------------------------------------


def test_cleanupimages_keeps_the_declared_variants_of_a_photo_even_with_include_tag_files(
    declared, media_storage
):
    names = declared_names(declared)
    assert len(names) == 4 and all(media_storage.exists(n) for n in names)
    age_all(media_storage)

    run = cleanup("--include-tag-files")

    assert run.error is None
    assert run.listed == []
    assert all(media_storage.exists(n) for n in names)


def test_the_declared_variants_of_a_deleted_photo_go_with_their_placeholder(
    declared, media_storage
):
    names = declared_names(declared) | {declared.hero.name}
    key = picture_key(declared.hero.name)
    assert caches["default"].get(key) is not None
    declared.delete()  # Django leaves the source file in the storage
    age_all(media_storage)

    run = cleanup()

    assert run.listed == sorted(names)
    assert not any(media_storage.exists(n) for n in names)
    assert "5 no longer the field's file" in run.lines[-2]
    assert caches["default"].get(key) is None


def test_the_variants_of_a_changed_declaration_go_and_the_new_ones_stay(
    declared, media_storage, settings
):
    old = declared_names(declared)
    settings.IMAGEKIT_PICTURE_OPTIONS = {"WEBP": {"quality": 40}}  # new WebP files
    call_command("generateimages", "tests:picturespecphoto:hero", verbosity=0)
    new = declared_names(PictureSpecPhoto.objects.get(pk=declared.pk))
    changed = old - new
    assert len(changed) == 2 and all(media_storage.exists(n) for n in new)
    age_all(media_storage)

    run = cleanup()

    assert run.listed == sorted(changed)
    assert "2 spec changed" in run.lines[-2]
    assert all(media_storage.exists(n) for n in new)


def test_tag_picture_variants_are_kept_like_tag_thumbnails_unless_asked(db, source, media_storage):
    names = picture_names(Template(PICTURE).render(Context({"src": source})))
    assert len(names) == 4
    age_all(media_storage)

    kept = cleanup()
    removed = cleanup("--include-tag-files")

    assert kept.listed == []
    assert "4 made by template tags for sources that still exist" in kept.lines[-1]
    assert sorted(n for n in removed.listed if n in names) == sorted(names)
    assert "4 made by a template tag" in removed.lines[-2]


def test_tag_picture_variants_of_a_gone_source_go_with_their_placeholder(db, source, media_storage):
    page = Template(
        "{% load imagekit %}{% picture '4x3' src widths='40 80' formats='webp' "
        "placeholder='blur' %}"
    ).render(Context({"src": source}))
    names = picture_names(page)
    base = render("{% thumbnail '4x3' src as th %}{{ th.name }}", src=source)
    assert caches["default"].get(picture_key(base)) is not None
    media_storage.delete(source.name)
    age_all(media_storage)

    run = cleanup()

    assert run.listed == sorted(names)
    assert "4 source gone" in run.lines[-2]
    assert caches["default"].get(picture_key(base)) is None


def in_fresh_process(tmp_path: Path, media_root: str, code: str) -> str:
    """Run *code* in a new Django process sharing a file-based cache, a database and media."""
    prelude = (
        "import tests.settings as s\n"
        "s.CACHES = {'default': {'BACKEND': 'django.core.cache.backends.filebased.FileBasedCache',"
        f" 'LOCATION': {str(tmp_path / 'cache')!r}}}}}\n"
        f"s.MEDIA_ROOT = {media_root!r}\n"
        "s.DATABASES = {'default': {'ENGINE': 'django.db.backends.sqlite3',"
        f" 'NAME': {str(tmp_path / 'db.sqlite3')!r}}}}}\n"
        "import django\ndjango.setup()\n"
        "from django.core.management import call_command\n"
        "call_command('migrate', run_syncdb=True, verbosity=0)\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", prelude + code],
        cwd=Path(__file__).resolve().parents[1],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    return completed.stdout


def test_a_fresh_manage_py_cleanupimages_keeps_tag_picture_variants(
    tmp_path, media_storage, image_file
):
    # In its own process nothing has imported the picture code: imagekit:picture
    # must not count as "no longer registered" there. A page made the variants
    # in another process; the states are shared as a site shares them (Redis).
    stored(media_storage, "photos/dog.jpg", image_file("dog.jpg", size=(400, 300)))
    media_root = media_storage.location
    page = in_fresh_process(
        tmp_path,
        media_root,
        "from django.core.files.storage import default_storage\n"
        "from django.template import Context, Template\n"
        "from imagekit.files import BaseIKFile\n"
        "src = BaseIKFile(default_storage); src.name = 'photos/dog.jpg'\n"
        f"print(Template({PICTURE!r}).render(Context({{'src': src}})))\n",
    )
    names = picture_names(page)
    assert len(names) == 4
    age_all(media_storage)

    run = in_fresh_process(tmp_path, media_root, "call_command('cleanupimages')\n")

    assert all(media_storage.exists(n) for n in names), run
    assert "4 made by template tags for sources that still exist" in run
