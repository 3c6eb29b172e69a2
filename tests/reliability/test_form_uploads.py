"""Unusable uploads to a ``ProcessedImageField`` are form errors, and nothing is stored."""

from __future__ import annotations

import itertools

import pytest
from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile

from imagekit.forms import ProcessedImageField
from imagekit.processors import ResizeToFill
from tests.reliability.helpers import files_under
from tests.reliability.images import first_half, noisy, solid
from tests.testapp.models import ProcessedPhoto

_ids = itertools.count()


@pytest.fixture
def upload_form(registrations):
    """Return a model form for ``ProcessedPhoto`` using imagekit's form field."""
    spec_id = f"tests:reliability:upload{next(_ids)}"

    class UploadForm(forms.ModelForm):
        processed = ProcessedImageField(
            spec_id=spec_id, processors=[ResizeToFill(20, 10)], format="JPEG"
        )

        class Meta:
            model = ProcessedPhoto
            fields = ["processed"]

    return UploadForm  # its field registered spec_id; registrations unregisters it


def bound(form_class, name: str, data: bytes, content_type: str = "image/jpeg"):
    upload = SimpleUploadedFile(name, data, content_type=content_type)
    return form_class(data={}, files={"processed": upload})


def save_if_valid(form) -> None:
    """What an upload view does."""
    if form.is_valid():
        form.save()


UPLOADS = {
    "a non-image": ("notes.jpg", b"Not an image at all.\n"),
    "a truncated JPEG": ("cut.jpg", first_half(noisy("JPEG"))),
    "a truncated PNG": ("cut.png", first_half(noisy("PNG"))),
}

bad_uploads = pytest.mark.parametrize(("name", "data"), list(UPLOADS.values()), ids=list(UPLOADS))


@bad_uploads
def test_an_unusable_upload_is_an_invalid_image_form_error(upload_form, name, data):
    form = bound(upload_form, name, data)

    assert not form.is_valid()
    assert [error.code for error in form.errors.as_data()["processed"]] == ["invalid_image"]


def test_an_upload_over_the_pixel_cap_is_an_invalid_image_form_error(settings, upload_form):
    settings.IMAGEKIT_MAX_IMAGE_PIXELS = 1000
    form = bound(upload_form, "big.jpg", solid("JPEG", size=(64, 48)))

    assert not form.is_valid()
    assert [error.code for error in form.errors.as_data()["processed"]] == ["invalid_image"]


@pytest.mark.django_db
@bad_uploads
def test_an_unusable_upload_stores_nothing(upload_form, media_root, name, data):
    form = bound(upload_form, name, data)

    save_if_valid(form)

    assert files_under(media_root) == []


@pytest.mark.django_db
def test_an_upload_over_the_pixel_cap_stores_nothing(settings, upload_form, media_root):
    settings.IMAGEKIT_MAX_IMAGE_PIXELS = 1000
    form = bound(upload_form, "big.jpg", solid("JPEG", size=(64, 48)))

    save_if_valid(form)

    assert files_under(media_root) == []


@pytest.mark.django_db
def test_a_good_upload_is_stored(upload_form, media_root):
    form = bound(upload_form, "good.jpg", solid("JPEG", size=(64, 48)))

    save_if_valid(form)

    assert files_under(media_root) == ["processed/good.jpg"]


# --- the model field's own form field (a ModelForm with no field declared) -------------


class ModelUploadForm(forms.ModelForm):
    class Meta:
        model = ProcessedPhoto
        fields = ["processed"]


@bad_uploads
def test_a_model_form_refuses_an_upload_the_fields_spec_cannot_process(name, data):
    form = bound(ModelUploadForm, name, data)

    assert not form.is_valid()
    assert [error.code for error in form.errors.as_data()["processed"]] == ["invalid_image"]


@pytest.mark.django_db
@bad_uploads
def test_a_model_form_stores_nothing_for_an_unusable_upload(media_root, name, data):
    save_if_valid(bound(ModelUploadForm, name, data))

    assert files_under(media_root) == []


@pytest.mark.django_db
def test_a_model_form_stores_a_good_upload_processed(media_root):
    from PIL import Image

    save_if_valid(bound(ModelUploadForm, "good.png", solid("PNG", size=(80, 60)), "image/png"))

    assert files_under(media_root) == ["processed/good.jpg"]
    with Image.open(media_root / "processed" / "good.jpg") as image:
        assert (image.format, image.size) == ("JPEG", (50, 50))
