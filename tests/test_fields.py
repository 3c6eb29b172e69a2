"""Model fields: ImageSpecField and ProcessedImageField."""

from __future__ import annotations

import pickle
import re

import pytest
from django.core.files.base import ContentFile
from django.db import connection, models
from PIL import Image

from imagekit import ImageSpec, register
from imagekit.cachefiles import ImageCacheFile
from imagekit.models import ImageSpecField, ProcessedImageField
from imagekit.processors import ResizeToFill
from imagekit.registry import generator_registry
from tests.testapp.models import ImplicitSourcePhoto, Photo, ProcessedPhoto, Profile

# Models defined inside tests get an app label of their own, outside
# INSTALLED_APPS, so that code iterating over the test app's models (checks,
# migrations, other tests) never meets them.
DYNAMIC_APP_LABEL = "field_tests"


def stored_files(storage, folder: str = "") -> list[str]:
    """Return the names of every file below *folder* in *storage*, sorted."""
    directories, files = storage.listdir(folder)
    names = [f"{folder}/{name}" if folder else name for name in files]
    for directory in directories:
        names += stored_files(storage, f"{folder}/{directory}" if folder else directory)
    return sorted(names)


def stored_image(storage, name: str) -> tuple[str, tuple[int, int]]:
    """Return the format and size of the image stored as *name*."""
    with storage.open(name) as file, Image.open(file) as image:
        return image.format, image.size


# --- ImageSpecField is not a database field -------------------------------------


def test_an_image_spec_field_is_not_one_of_the_models_fields():
    assert "thumbnail" not in [field.name for field in Photo._meta.get_fields()]


@pytest.mark.django_db
def test_an_image_spec_field_adds_no_database_column():
    with connection.cursor() as cursor:
        description = connection.introspection.get_table_description(cursor, Photo._meta.db_table)

    assert sorted(column.name for column in description) == ["id", "original_image"]


def test_reading_an_image_spec_field_on_the_class_returns_the_field():
    assert isinstance(Photo.thumbnail, ImageSpecField)


def test_reading_an_image_spec_field_on_an_instance_returns_an_image_cache_file():
    photo = Photo(original_image="photos/dog.jpg")

    assert isinstance(photo.thumbnail, ImageCacheFile)


def test_the_cache_file_is_named_after_the_source_path_and_the_spec_hash():
    photo = Photo(original_image="photos/dog.jpg")

    assert re.fullmatch(r"CACHE/images/photos/dog/[0-9a-f]{32}\.jpg", photo.thumbnail.name)


def test_the_cache_file_follows_a_change_of_the_source():
    photo = Photo(original_image="photos/dog.jpg")
    photo.thumbnail.name  # noqa: B018 - caches the cache file in __dict__

    photo.original_image = "photos/cat.jpg"

    assert photo.thumbnail.name.startswith("CACHE/images/photos/cat/")


def test_the_thumbnail_of_an_instance_without_an_image_is_falsy():
    assert not Photo().thumbnail


def test_the_default_spec_id_is_app_label_model_and_attribute():
    assert Photo.thumbnail.spec_id == "tests:photo:thumbnail"


def test_the_spec_registered_under_the_default_id_is_the_one_the_field_uses():
    photo = Photo(original_image="photos/dog.jpg")

    spec = generator_registry.get("tests:photo:thumbnail", source=photo.original_image)

    assert spec.cachefile_name == photo.thumbnail.name


# --- id= and spec_id= -------------------------------------------------------------


def test_id_registers_the_fields_spec_under_that_id(registrations):

    ImageSpecField(processors=[ResizeToFill(4, 4)], format="GIF", id="tests:fields:by-id")

    assert generator_registry.get("tests:fields:by-id", source=None).format == "GIF"


def test_spec_id_is_a_synonym_of_id(registrations):

    ImageSpecField(processors=[ResizeToFill(4, 4)], format="GIF", spec_id="tests:fields:by-spec-id")

    assert generator_registry.get("tests:fields:by-spec-id", source=None).format == "GIF"


def test_the_same_value_for_id_and_spec_id_is_accepted(registrations):

    field = ImageSpecField(format="GIF", id="tests:fields:both", spec_id="tests:fields:both")

    assert field.spec_id == "tests:fields:both"


def test_different_values_for_id_and_spec_id_are_a_type_error(registrations):

    with pytest.raises(TypeError):
        ImageSpecField(format="GIF", id="tests:fields:one", spec_id="tests:fields:other")


def test_a_model_field_with_an_explicit_id_uses_the_spec_registered_under_it(registrations):

    class ExplicitThumbnail(ImageSpec):
        format = "GIF"

    register.generator("tests:fields:explicit", ExplicitThumbnail)

    class FieldExplicitIdPhoto(models.Model):
        image = models.ImageField(upload_to="explicit")
        thumbnail = ImageSpecField(source="image", id="tests:fields:explicit")

        class Meta:
            app_label = DYNAMIC_APP_LABEL

    photo = FieldExplicitIdPhoto(image="explicit/a.jpg")

    assert type(photo.thumbnail.generator) is ExplicitThumbnail


# --- the long form and implicit sources ------------------------------------------------


@pytest.mark.django_db
def test_the_long_form_spec_makes_an_image_of_the_models_thumbnail_size(media_storage, image_file):
    profile = Profile.objects.create(
        avatar=image_file("me.jpg", size=(64, 48)), thumbnail_width=24, thumbnail_height=18
    )

    with Image.open(profile.avatar_thumbnail.path) as image:
        assert image.size == (24, 18)


@pytest.mark.django_db
def test_the_long_form_spec_uses_its_class_format(media_storage, image_file):
    profile = Profile.objects.create(avatar=image_file("me.png"))

    with Image.open(profile.avatar_thumbnail.path) as image:
        assert image.format == "JPEG"


@pytest.mark.django_db
def test_a_field_without_source_uses_the_models_only_image_field(media_storage, image_file):
    photo = ImplicitSourcePhoto.objects.create(image=image_file("only.jpg", size=(30, 20)))

    with Image.open(photo.thumb.path) as image:
        assert (image.format, image.size) == ("PNG", (10, 10))


def test_a_field_without_source_is_named_after_the_only_image_field():
    photo = ImplicitSourcePhoto(image="implicit/only.jpg")

    assert photo.thumb.name.startswith("CACHE/images/implicit/only/")


def test_a_field_without_source_on_a_model_without_image_field_fails_at_class_creation():
    with pytest.raises(Exception, match="does not define any ImageFields") as raised:

        class FieldNoImageModel(models.Model):
            name = models.CharField(max_length=10)
            thumbnail = ImageSpecField(processors=[ResizeToFill(4, 4)], format="PNG")

            class Meta:
                app_label = DYNAMIC_APP_LABEL

    assert str(raised.value) == (
        "FieldNoImageModel does not define any ImageFields, so your thumbnail "
        "ImageSpecField has no image to act on."
    )


def test_a_field_without_source_on_a_model_with_two_image_fields_fails_at_class_creation():
    with pytest.raises(Exception, match="defines multiple ImageFields") as raised:

        class FieldTwoImagesModel(models.Model):
            front = models.ImageField(upload_to="front")
            back = models.ImageField(upload_to="back")
            thumbnail = ImageSpecField(processors=[ResizeToFill(4, 4)], format="PNG")

            class Meta:
                app_label = DYNAMIC_APP_LABEL

    assert str(raised.value) == (
        "FieldTwoImagesModel defines multiple ImageFields, but you have not specified "
        "a source for your thumbnail ImageSpecField."
    )


def test_a_spec_registered_first_under_a_fields_id_overrides_the_fields_own_spec(registrations):

    class ProjectThumbnail(ImageSpec):
        format = "GIF"

    register.generator("field_tests:fieldoverriddenphoto:thumbnail", ProjectThumbnail)

    class FieldOverriddenPhoto(models.Model):
        image = models.ImageField(upload_to="overridden")
        thumbnail = ImageSpecField(source="image", processors=[ResizeToFill(5, 5)], format="PNG")

        class Meta:
            app_label = DYNAMIC_APP_LABEL

    photo = FieldOverriddenPhoto(image="overridden/a.jpg")

    assert type(photo.thumbnail.generator) is ProjectThumbnail


# --- ProcessedImageField ----------------------------------------------------------------


@pytest.mark.django_db
def test_saving_an_upload_stores_the_processed_image(media_storage, image_file):
    photo = ProcessedPhoto.objects.create(processed=image_file("photo.png", size=(100, 80)))

    assert stored_image(media_storage, photo.processed.name) == ("JPEG", (50, 50))


@pytest.mark.django_db
def test_saving_an_upload_changes_the_extension_to_suit_the_format(media_storage, image_file):
    photo = ProcessedPhoto.objects.create(processed=image_file("photo.png"))

    assert photo.processed.name == "processed/photo.jpg"


@pytest.mark.django_db
def test_saving_an_upload_stores_only_the_processed_file(media_storage, image_file):
    ProcessedPhoto.objects.create(processed=image_file("photo.png"))

    assert stored_files(media_storage) == ["processed/photo.jpg"]


@pytest.mark.django_db
def test_saving_through_the_field_file_stores_the_processed_image(media_storage, make_image):
    photo = ProcessedPhoto()

    photo.processed.save("direct.gif", ContentFile(make_image("GIF", size=(90, 60))))

    assert stored_image(media_storage, photo.processed.name) == ("JPEG", (50, 50))


def test_assigning_an_upload_does_not_process_it(media_storage, image_file):
    photo = ProcessedPhoto(processed=image_file("photo.png", size=(100, 80)))

    with Image.open(photo.processed) as image:
        assert (image.format, image.size) == ("PNG", (100, 80))


def test_assigning_an_upload_stores_nothing(media_storage, image_file):
    ProcessedPhoto(processed=image_file("photo.png"))

    assert stored_files(media_storage) == []


def test_a_processed_image_field_deconstructs_to_its_imagekit_path():
    field = ProcessedPhoto._meta.get_field("processed")

    _name, path, _args, _kwargs = field.deconstruct()

    assert path == "imagekit.models.fields.ProcessedImageField"


def test_a_processed_image_field_is_an_image_field():
    assert isinstance(ProcessedPhoto._meta.get_field("processed"), models.ImageField)


def test_the_default_spec_id_of_a_processed_image_field_names_app_model_and_field():
    assert ProcessedPhoto._meta.get_field("processed").spec_id == "tests:processedphoto:processed"


def test_a_processed_image_field_with_a_spec_keeps_the_specs_autoconvert(registrations):

    class NoAutoconvert(ImageSpec):
        autoconvert = False

    field = ProcessedImageField(spec=NoAutoconvert, spec_id="tests:fields:processed-spec")

    assert field.get_spec(source=None).autoconvert is False


# --- pickling (issue #234) -----------------------------------------------------------


@pytest.mark.django_db
def test_an_instance_with_an_accessed_thumbnail_can_be_pickled(media_storage, image_file):
    photo = Photo.objects.create(original_image=image_file("pickled.jpg"))
    expected = photo.thumbnail.name
    photo.thumbnail.url  # noqa: B018 - generates it: the backend and file are in use

    restored = pickle.loads(pickle.dumps(photo))

    assert restored.__dict__["thumbnail"].name == expected


@pytest.mark.django_db
def test_the_pickled_thumbnail_finds_the_source_of_the_unpickled_instance(
    media_storage, image_file
):
    photo = Photo.objects.create(original_image=image_file("pickled.jpg"))
    photo.thumbnail.url  # noqa: B018 - generates it and caches it in __dict__

    restored = pickle.loads(pickle.dumps(photo))

    assert restored.__dict__["thumbnail"].generator.source is restored.original_image


@pytest.mark.django_db
def test_the_pickled_thumbnail_still_generates(media_storage, image_file):
    photo = Photo.objects.create(original_image=image_file("pickled.jpg", size=(80, 60)))
    photo.thumbnail.name  # noqa: B018 - caches the cache file in __dict__
    restored = pickle.loads(pickle.dumps(photo))

    restored.__dict__["thumbnail"].generate()

    assert stored_image(media_storage, photo.thumbnail.name) == ("JPEG", (50, 50))


@pytest.mark.django_db
def test_the_thumbnail_of_an_unpickled_instance_works(media_storage, image_file):
    photo = Photo.objects.create(original_image=image_file("pickled.jpg", size=(80, 60)))
    photo.thumbnail.name  # noqa: B018 - caches the cache file in __dict__
    restored = pickle.loads(pickle.dumps(photo))

    with Image.open(restored.thumbnail.path) as image:
        assert image.size == (50, 50)
