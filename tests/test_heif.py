"""HEIC/HEIF sources through the ``heif`` extra (pillow-heif), registered lazily.

The files are made with pillow-heif's own encoder, without registering it
with Pillow (``heic()`` in ``tests/reliability/images.py``). Registration is
per process, so each test that depends on whether it happened runs in a fresh
Python process.
"""

from __future__ import annotations

import textwrap

import pytest

from imagekit.heif import INSTALL_HINT, looks_like_heif
from tests.reliability.images import heic
from tests.support.fresh import run_json

_PRELUDE = """
import io, json, os, sys
sys.path.insert(0, os.getcwd())
os.environ["DJANGO_SETTINGS_MODULE"] = "tests.testapp.settings"
import django
django.setup()
from django.core.files.base import ContentFile
from PIL import Image
from imagekit import ImageSpec
from imagekit.processors import ResizeToFit

class Thumb(ImageSpec):
    processors = [ResizeToFit(32, 32)]
    format = "JPEG"

data = sys.stdin.buffer.read()
"""


def in_fresh_process(code: str, data: bytes, block_plugin: bool = False) -> dict:
    """Run *code* after the prelude in a new process; return the JSON it prints."""
    prelude = _PRELUDE
    if block_plugin:
        # What an installation without the extra looks like to Python: the
        # import fails. (The plugin cannot be uninstalled for one test.)
        prelude = "import sys\nsys.modules['pillow_heif'] = None\n" + prelude
    return run_json(["-c", prelude + textwrap.dedent(code)], data)


def test_the_install_hint_names_our_distribution_and_the_extra():
    from importlib import metadata

    assert INSTALL_HINT == 'pip install "imagekit[heif]"'
    assert "heif" in metadata.metadata("imagekit").get_all("Provides-Extra")


def test_an_iphone_photo_is_recognised_from_its_first_bytes():
    assert looks_like_heif(heic()[:32])
    assert not looks_like_heif(b"\xff\xd8\xff\xe0" + bytes(28))


def test_a_heic_source_is_made_into_a_jpeg():
    outcome = in_fresh_process(
        """
        made = Thumb(source=ContentFile(data, name="uploads/IMG_0001.HEIC")).generate()
        image = Image.open(made)
        print(json.dumps({"format": image.format, "size": image.size,
                          "pixel": image.convert("RGB").getpixel((16, 12))}))
        """,
        heic(),
    )

    assert outcome["format"] == "JPEG"
    assert outcome["size"] == [32, 24]
    red, green, blue = outcome["pixel"]
    assert red > 200 and green < 60 and blue < 60


def test_the_plugin_is_registered_only_when_a_heif_source_is_met():
    outcome = in_fresh_process(
        """
        before = "pillow_heif" in sys.modules or "HEIF" in Image.OPEN
        png = io.BytesIO()
        Image.new("RGB", (8, 8)).save(png, "PNG")
        Thumb(source=ContentFile(png.getvalue(), name="a.png")).generate()
        after_png = "pillow_heif" in sys.modules
        Thumb(source=ContentFile(data, name="b.heic")).generate()
        print(json.dumps({"before": before, "after_png": after_png,
                          "after_heic": "HEIF" in Image.OPEN}))
        """,
        heic(),
    )

    assert outcome == {"before": False, "after_png": False, "after_heic": True}


def test_without_the_extra_a_heic_source_says_which_extra_to_install():
    outcome = in_fresh_process(
        """
        from imagekit.exceptions import SourceImageError
        try:
            Thumb(source=ContentFile(data, name="uploads/IMG_0001.HEIC")).generate()
        except SourceImageError as exc:
            print(json.dumps({"error": str(exc)}))
        """,
        heic(),
        block_plugin=True,
    )

    assert INSTALL_HINT in outcome["error"]
    assert "uploads/IMG_0001.HEIC" in outcome["error"]


def test_a_heic_upload_passes_a_processed_image_form_field():
    outcome = in_fresh_process(
        """
        from django import forms
        from django.core.files.uploadedfile import SimpleUploadedFile
        from imagekit.forms import ProcessedImageField

        class Upload(forms.Form):
            photo = ProcessedImageField(spec_id="tests:heif:upload",
                                        processors=[ResizeToFit(20, 20)], format="JPEG")

        upload = SimpleUploadedFile("IMG_0001.HEIC", data, content_type="image/heic")
        form = Upload(files={"photo": upload})
        valid = form.is_valid()
        size = Image.open(form.cleaned_data["photo"]).size if valid else None
        print(json.dumps({"valid": valid, "errors": form.errors, "size": size}))
        """,
        heic(),
    )

    assert outcome["valid"], outcome
    assert outcome["size"] == [20, 15]


@pytest.mark.parametrize("brand", [b"avif", b"isom"])
def test_other_iso_media_files_are_not_taken_for_heif(brand):
    assert not looks_like_heif(b"\x00\x00\x00\x1cftyp" + brand + bytes(20))
