"""The form field imagekit.forms.ProcessedImageField."""

from __future__ import annotations

import io
import itertools

import pytest
from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from imagekit.forms import ProcessedImageField
from imagekit.processors import ResizeToFill
from imagekit.registry import generator_registry
from tests.testapp.models import Photo, ProcessedPhoto

_counter = itertools.count()


@pytest.fixture
def spec_id(registrations):
    """A spec id no other test uses; the field's spec is unregistered after the test."""
    return f"tests:forms:spec{next(_counter)}"


def stored_files(storage, folder: str = "") -> list[str]:
    """Return the names of every file below *folder* in *storage*, sorted."""
    directories, files = storage.listdir(folder)
    names = [f"{folder}/{name}" if folder else name for name in files]
    for directory in directories:
        names += stored_files(storage, f"{folder}/{directory}" if folder else directory)
    return sorted(names)


def jpeg_field(spec_id: str, **kwargs) -> ProcessedImageField:
    return ProcessedImageField(
        processors=[ResizeToFill(20, 10)], format="JPEG", spec_id=spec_id, **kwargs
    )


def test_a_processed_image_form_field_requires_a_spec_id():
    with pytest.raises(TypeError, match=r"^You must provide a spec_id$"):
        ProcessedImageField(processors=[ResizeToFill(20, 10)], format="JPEG")


def test_the_form_field_registers_its_spec_under_the_spec_id(spec_id):
    jpeg_field(spec_id)

    assert generator_registry.get(spec_id, source=None).format == "JPEG"


def test_clean_returns_the_processed_image(spec_id, image_file):
    field = jpeg_field(spec_id)

    cleaned = field.clean(image_file("photo.png", size=(64, 48)))

    with Image.open(cleaned) as image:
        assert (image.format, image.size) == ("JPEG", (20, 10))


def test_clean_keeps_the_uploaded_name_even_when_the_format_changes(spec_id, image_file):
    field = jpeg_field(spec_id)

    cleaned = field.clean(image_file("photo.png"))

    # Compatibility (SPEC §12, §18): unlike the model field, the extension stays,
    # though the content is the processed JPEG.
    with Image.open(cleaned) as image:
        assert (cleaned.name, image.format) == ("photo.png", "JPEG")


def test_clean_returns_a_file_whose_size_is_that_of_the_processed_image(spec_id, image_file):
    field = jpeg_field(spec_id)

    upload = image_file("photo.png", size=(64, 48))
    uploaded_size = upload.size

    cleaned = field.clean(upload)

    content = cleaned.read()
    with Image.open(io.BytesIO(content)) as image:
        assert (image.format, image.size) == ("JPEG", (20, 10))  # processed, not passed on
    assert cleaned.size == len(content) != uploaded_size


@pytest.mark.django_db
def test_clean_returns_unchanged_initial_data_as_it_is(spec_id, media_storage, image_file):
    photo = Photo.objects.create(original_image=image_file("stored.jpg", size=(64, 48)))
    field = jpeg_field(spec_id, required=False)

    cleaned = field.clean(None, initial=photo.original_image)

    assert cleaned is photo.original_image


def test_clean_returns_the_initial_file_as_it_is_when_it_is_submitted_again(spec_id, image_file):
    field = jpeg_field(spec_id)
    upload = image_file("photo.png", size=(64, 48))

    cleaned = field.clean(upload, initial=upload)

    assert cleaned is upload


def test_a_form_with_the_field_cleans_to_the_processed_image(spec_id, image_file):
    class UploadForm(forms.Form):
        picture = jpeg_field(spec_id)

    form = UploadForm(files={"picture": image_file("photo.png", size=(64, 48))})
    assert form.is_valid(), form.errors

    with Image.open(form.cleaned_data["picture"]) as image:
        assert image.size == (20, 10)


@pytest.mark.django_db
def test_a_model_form_for_a_processed_image_field_saves_the_processed_file(
    media_storage, image_file
):
    form_class = forms.modelform_factory(ProcessedPhoto, fields=["processed"])
    form = form_class(files={"processed": image_file("upload.png", size=(100, 80))})
    assert form.is_valid(), form.errors

    photo = form.save()

    with media_storage.open(photo.processed.name) as file, Image.open(file) as image:
        assert (photo.processed.name, image.format, image.size) == (
            "processed/upload.jpg",
            "JPEG",
            (50, 50),
        )


def test_a_non_image_upload_is_a_validation_error(spec_id):
    field = jpeg_field(spec_id)
    upload = SimpleUploadedFile("fake.jpg", b"this is not an image", content_type="image/jpeg")

    with pytest.raises(forms.ValidationError) as raised:
        field.clean(upload)

    assert raised.value.code == "invalid_image"


@pytest.mark.django_db
def test_a_non_image_upload_makes_the_form_invalid_and_stores_nothing(spec_id, media_storage):
    class PhotoForm(forms.ModelForm):
        processed = jpeg_field(spec_id)

        class Meta:
            model = ProcessedPhoto
            fields = ["processed"]

    upload = SimpleUploadedFile("fake.jpg", b"this is not an image", content_type="image/jpeg")
    form = PhotoForm(files={"processed": upload})

    assert (form.is_valid(), list(form.errors), stored_files(media_storage)) == (
        False,
        ["processed"],
        [],
    )
