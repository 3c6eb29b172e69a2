"""The features of issues 11, 12 and 13 used together, as a site combining them would.

Pictures (``{% picture %}``, ``ImageSpecField(widths=...)``) with the cache
lifecycle (``cleanupimages``, ``IMAGEKIT_DELETE_WITH_SOURCE``, sources
replaced in place, a gone source) and with the hardened pipeline (output
cap, EXIF orientation, animation, HEIC).
"""

from __future__ import annotations

import io
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
from tests.reliability.images import oriented_jpeg
from tests.support.commands import cleanup
from tests.support.files import age_all, stored
from tests.support.markup import parse, srcset_urls
from tests.testapp.models import PictureSpecPhoto

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
    # The picture's placeholder describes the source, not the old files: kept.
    page = render("{% picture p.hero %}", p=PictureSpecPhoto.objects.get(pk=declared.pk))
    assert "background-image" in parse(page)[-1][1]["style"]


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
        "import tests.testapp.settings as s\n"
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
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "tests.testapp.settings"},
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


# --- deleted with the source, replaced in place --------------------------------------


def test_deleting_a_photo_deletes_its_declared_variants_and_their_placeholder(
    declared, media_storage, settings, django_capture_on_commit_callbacks
):
    settings.IMAGEKIT_DELETE_WITH_SOURCE = True
    names = declared_names(declared) | {declared.hero.name}
    key = picture_key(declared.hero.name)
    assert all(media_storage.exists(n) for n in names)

    with django_capture_on_commit_callbacks(execute=True):
        declared.delete()

    assert not any(media_storage.exists(n) for n in names)
    assert caches["default"].get(key) is None


def colour_of(storage, name: str) -> tuple[int, int, int]:
    with storage.open(name, "rb") as handle:
        image = Image.open(handle).convert("RGB")
        return image.getpixel((image.width // 2, image.height // 2))


def close_to(color, expected) -> bool:
    return all(abs(a - b) < 40 for a, b in zip(color, expected, strict=True))


def test_a_source_replaced_in_place_gets_new_declared_variants_and_placeholder(
    db, overwriting_storage, image_file
):
    photo = PictureSpecPhoto.objects.create(image=image_file("d.jpg", size=(320, 240), color="red"))
    names = declared_names(photo)
    before = render("{% picture p.hero %}", p=photo)
    assert all(close_to(colour_of(overwriting_storage, n), (255, 0, 0)) for n in names)

    photo.image.save("d.jpg", image_file("d.jpg", size=(320, 240), color="blue"))

    assert photo.image.name == "declared/d.jpg"
    fresh = PictureSpecPhoto.objects.get(pk=photo.pk)
    after = render("{% picture p.hero %}", p=fresh)
    assert declared_names(fresh) == names
    assert all(close_to(colour_of(overwriting_storage, n), (0, 0, 255)) for n in names)
    style = parse(after)[-1][1]["style"]
    assert style != parse(before)[-1][1]["style"]  # the blur of the blue photo


# --- the output cap, EXIF orientation, animation and HEIC in pictures ------------------


def cache_files(storage) -> list[str]:
    root = Path(storage.location) / "CACHE"
    return sorted(str(p) for p in root.rglob("*") if p.is_file()) if root.exists() else []


def test_widths_from_a_variable_past_the_output_cap_are_refused_naming_the_picture(
    source, media_storage, settings
):
    settings.IMAGEKIT_TEMPLATE_MISSING_SOURCE = "raise"
    template = "{% picture '4x3' src widths=w formats='webp' upscale=True %}"

    with pytest.raises(OutputTooLarge) as refused:
        render(template, src=source, w="320 8000")

    message = str(refused.value)
    assert "picture" in message and "'320 8000'" in message
    assert "8000x6000" in message and "IMAGEKIT_MAX_OUTPUT_PIXELS" in message
    assert cache_files(media_storage) == []  # nothing half-written, not even the 320s


def test_a_picture_past_the_output_cap_renders_nothing_and_logs_when_pages_must_not_fail(
    source, media_storage, settings, caplog
):
    settings.IMAGEKIT_TEMPLATE_MISSING_SOURCE = "empty"

    page = render(
        "{% picture '4x3' src widths=w formats='webp' upscale=True %}", src=source, w=8000
    )

    assert page == ""
    assert any("8000x6000" in r.getMessage() for r in caplog.records)
    assert cache_files(media_storage) == []


def test_a_picture_within_the_cap_may_still_upscale(source, media_storage):
    page = render("{% picture '4x3' src widths='800' formats='webp' upscale=True %}", src=source)

    img = parse(page)[-1][1]
    assert (img["width"], img["height"]) == ("800", "600")


def is_red(pixel) -> bool:
    return pixel[0] > 200 and pixel[2] < 60


def is_blue(pixel) -> bool:
    return pixel[2] > 200 and pixel[0] < 60


def test_a_phone_photo_with_orientation_6_gives_upright_variants_and_sizes(media_storage):
    from django.core.files.base import ContentFile

    # Stored sideways (left red, right blue), to be turned a quarter clockwise:
    # upright it is portrait, red on top.
    src = stored(media_storage, "photos/phone.jpg", ContentFile(oriented_jpeg(6, (64, 48))))

    page = render("{% picture '64x' src widths='24 48' formats='webp avif' %}", src=src)

    img = parse(page)[-1][1]
    assert (img["width"], img["height"]) == ("48", "64")
    for name in picture_names(page):
        with media_storage.open(name) as handle:
            variant = Image.open(io.BytesIO(handle.read())).convert("RGB")
        assert variant.height > variant.width, name
        assert is_red(variant.getpixel((variant.width // 2, 2))), name
        assert is_blue(variant.getpixel((variant.width // 2, variant.height - 3))), name


def test_a_large_turned_phone_photo_is_decoded_reduced_and_comes_out_upright(
    media_storage, monkeypatch
):
    from django.core.files.base import ContentFile
    from PIL import JpegImagePlugin

    # 1600x800 sideways: upright 800x1600. A 100-wide variant needs the
    # upright width 100, the sideways height: the JPEG decoder can go to 1/8.
    src = stored(media_storage, "photos/big.jpg", ContentFile(oriented_jpeg(6, (1600, 800))))
    asked = []
    draft = JpegImagePlugin.JpegImageFile.draft

    def watched(self, mode, size):
        result = draft(self, mode, size)
        asked.append(self.size)  # the scale it decodes at
        return result

    monkeypatch.setattr(JpegImagePlugin.JpegImageFile, "draft", watched)

    page = render("{% picture '64x' src widths='100' formats='webp' %}", src=src)

    assert asked == [(200, 100)]  # 1/8 of the sideways file: upright 100x200
    img = parse(page)[-1][1]
    assert (img["width"], img["height"]) == ("100", "200")
    with media_storage.open(picture_names(page).pop()) as handle:
        assert Image.open(io.BytesIO(handle.read())).size == (100, 200)


def test_an_animated_gif_gives_a_still_gif_fallback_and_still_variants(media_storage):
    from django.core.files.base import ContentFile

    from tests.reliability.images import animation

    src = stored(media_storage, "photos/anim.gif", ContentFile(animation("GIF", size=(64, 48))))

    page = render("{% picture '64x' src widths='32' formats='webp' %}", src=src)

    tags = parse(page)
    assert tags[-1][1]["src"].endswith(".gif")
    for name in picture_names(page):
        with media_storage.open(name) as handle:
            variant = Image.open(io.BytesIO(handle.read()))
            assert variant.size == (32, 24)
            assert getattr(variant, "n_frames", 1) == 1, name  # as documented: still images


def test_an_iphone_heic_photo_gives_avif_and_webp_variants_in_a_fresh_process(
    tmp_path, media_storage
):
    from django.core.files.base import ContentFile

    from tests.reliability.images import heic

    # A fresh process: pillow-heif is registered only when a HEIC source is met.
    stored(media_storage, "photos/iphone.heic", ContentFile(heic(size=(64, 48), color="red")))

    page = in_fresh_process(
        tmp_path,
        media_storage.location,
        "from django.core.files.storage import default_storage\n"
        "from django.template import Context, Template\n"
        "from imagekit.files import BaseIKFile\n"
        "src = BaseIKFile(default_storage); src.name = 'photos/iphone.heic'\n"
        "print(Template(\"{% load imagekit %}{% picture '64x' src widths='32' "
        "formats='avif webp' %}\").render(Context({'src': src})))\n",
    )

    tags = parse(page)
    assert [attrs["type"] for tag, attrs in tags if tag == "source"] == [
        "image/avif",
        "image/webp",
    ]
    assert tags[-1][1]["src"].endswith(".jpg")  # HEIC is no fallback: JPEG
    names = picture_names(page)
    assert len(names) == 3
    for name in names:
        with media_storage.open(name) as handle:
            variant = Image.open(io.BytesIO(handle.read())).convert("RGB")
        assert variant.size == (32, 24)
        assert is_red(variant.getpixel((16, 12))), name


# --- an honest answer for a gone source ---------------------------------------------


def test_a_picture_of_a_spec_field_whose_source_is_gone_renders_nothing(
    db, media_storage, image_file, settings
):
    from tests.testapp.models import Photo

    settings.IMAGEKIT_TEMPLATE_MISSING_SOURCE = "empty"
    photo = Photo.objects.create(original_image=image_file("gone.jpg", size=(320, 240)))
    media_storage.delete(photo.original_image.name)
    photo = Photo.objects.get(pk=photo.pk)

    page = render(
        "{% if p.thumbnail %}{% picture p.thumbnail widths='20 40' %}{% endif %}"
        "{% picture '4x3' p.original_image widths='20 40' %}",
        p=photo,
    )

    assert page == ""
    assert cache_files(media_storage) == []


def test_a_picture_made_before_its_source_was_deleted_is_still_served(
    source, media_storage, settings
):
    settings.IMAGEKIT_TEMPLATE_MISSING_SOURCE = "raise"
    first = Template(PICTURE).render(Context({"src": source}))
    media_storage.delete(source.name)
    caches["default"].clear()  # a new deploy: only the files are left

    again = Template(PICTURE).render(Context({"src": source}))

    assert again == first


def test_a_picture_of_a_gone_source_raises_a_missing_source_under_the_raise_policy(
    source, media_storage, settings
):
    from imagekit.exceptions import MissingSourceFile

    settings.IMAGEKIT_TEMPLATE_MISSING_SOURCE = "raise"
    media_storage.delete(source.name)

    with pytest.raises(MissingSourceFile, match=r"photos/dog\.jpg"):
        Template(PICTURE).render(Context({"src": source}))


# --- generateimages ---------------------------------------------------------------------


def test_a_generateimages_dry_run_lists_the_missing_declared_variants(declared, media_storage):
    names = declared_names(declared)
    gone = sorted(names)[:2]
    for name in gone:
        media_storage.delete(name)
    caches["default"].clear()
    out = io.StringIO()

    call_command("generateimages", "tests:picturespecphoto:hero", "--dry-run", stdout=out)

    lines = out.getvalue().splitlines()
    assert sorted(line.strip() for line in lines if line.startswith("  ")) == gone
    assert lines[-1] == "2 of 5 cache file(s) would be generated (missing) (dry run)."
    assert not any(media_storage.exists(n) for n in gone)


def test_tag_picture_variants_of_a_source_overwritten_since_go_and_the_next_page_remakes_them(
    db, overwriting_storage, image_file
):
    src = stored(overwriting_storage, "photos/dog.jpg", image_file("dog.jpg", color="red"))
    template = Template(
        "{% load imagekit %}{% picture '4x3' src widths='40' formats='webp' placeholder='color' %}"
    )
    before = template.render(Context({"src": src}))
    names = picture_names(before)
    overwriting_storage.save("photos/dog.jpg", image_file("dog.jpg", color="blue"))
    age_all(overwriting_storage)

    run = cleanup()
    after = template.render(Context({"src": src}))

    assert run.listed == sorted(names)
    assert "2 source replaced" in run.lines[-2]
    assert picture_names(after) == names
    assert all(close_to(colour_of(overwriting_storage, n), (0, 0, 255)) for n in names)
    assert "background-color:#0" in parse(after)[-1][1]["style"]  # the blue photo's colour


@pytest.mark.django_db(transaction=True)  # tasks are sent when the transaction commits
def test_with_a_task_queue_a_source_replaced_in_place_gets_its_variants_remade_by_the_worker(
    recording_queue, overwriting_storage, image_file
):
    import json

    from imagekit.cachefiles.worker import generate_from_payload

    def work() -> None:  # what a worker does with each task sent
        sent, recording_queue.sent = recording_queue.sent, []
        for task in sent:
            generate_from_payload(json.loads(task))

    photo = PictureSpecPhoto.objects.create(image=image_file("d.jpg", size=(320, 240), color="red"))
    work()
    names = declared_names(photo)
    assert all(close_to(colour_of(overwriting_storage, n), (255, 0, 0)) for n in names)

    photo.image.save("d.jpg", image_file("d.jpg", size=(320, 240), color="blue"))

    pictures = [json.loads(t) for t in recording_queue.sent if "picture" in json.loads(t)]
    assert len(pictures) == 1 and pictures[0]["force"] is True
    # Nothing decoded in the request: the old variants are served until the task runs.
    assert all(close_to(colour_of(overwriting_storage, n), (255, 0, 0)) for n in names)
    work()
    assert all(close_to(colour_of(overwriting_storage, n), (0, 0, 255)) for n in names)
