"""Image specs: what ``generate()`` makes, how specs hash, pickle and are hosted."""

from __future__ import annotations

import io
import pickle
import re

import pytest
from django.core.files import File
from django.core.files.base import ContentFile
from PIL import Image

from imagekit import ImageSpec
from imagekit.exceptions import AlreadyRegistered, MissingGeneratorId, MissingSource
from imagekit.generatorlibrary import Thumbnail
from imagekit.processors import Adjust, ResizeToFill, ResizeToFit
from imagekit.registry import generator_registry, register
from imagekit.specs import SpecHost, create_spec, create_spec_class
from tests.testapp.models import AvatarThumbnail, Photo, Profile

RED = (255, 0, 0)
BLUE = (0, 0, 255)


class Fill20x10Png(ImageSpec):
    processors = [ResizeToFill(20, 10)]
    format = "PNG"


class FitKeepFormat(ImageSpec):
    processors = [ResizeToFit(16, 16)]


def opened(content):
    """Return the PIL image encoded in the file-like *content*."""
    content.seek(0)
    image = Image.open(content)
    image.load()
    return image


def png_source(make_image, name="photos/dog.png", size=(64, 48)):
    return ContentFile(make_image("PNG", size=size), name=name)


def two_halves(size=(80, 40)):
    """Return PNG bytes whose left half is red and right half is blue."""
    image = Image.new("RGB", size, RED)
    image.paste(BLUE, (size[0] // 2, 0, size[0], size[1]))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


# --- generate() ---------------------------------------------------------------------


def test_generate_returns_an_image_of_the_processed_size(make_image):
    image = opened(Fill20x10Png(source=png_source(make_image)).generate())

    assert image.size == (20, 10)


def test_generate_encodes_in_the_spec_format(make_image):
    class ToJpeg(ImageSpec):
        format = "JPEG"

    image = opened(ToJpeg(source=png_source(make_image)).generate())

    assert image.format == "JPEG"


def test_generate_without_a_format_keeps_the_source_format(make_image):
    source = ContentFile(make_image("GIF", size=(32, 32), mode="P", color=1), name="a.gif")

    image = opened(FitKeepFormat(source=source).generate())

    assert image.format == "GIF"


def test_generate_passes_options_to_the_encoder(make_image):
    class Progressive(ImageSpec):
        format = "JPEG"
        options = {"progressive": True}

    image = opened(Progressive(source=png_source(make_image)).generate())

    assert image.info.get("progressive") == 1


def test_generate_without_options_writes_a_baseline_jpeg(make_image):
    class Baseline(ImageSpec):
        format = "JPEG"

    image = opened(Baseline(source=png_source(make_image)).generate())

    assert "progressive" not in image.info


def test_generate_returns_a_readable_file_like_object(make_image):
    content = Fill20x10Png(source=png_source(make_image)).generate()

    assert content.read(8) == b"\x89PNG\r\n\x1a\n"


def test_generate_without_a_source_raises_missing_source():
    spec = Fill20x10Png(source=None)

    with pytest.raises(MissingSource) as excinfo:
        spec.generate()

    assert str(excinfo.value) == (
        "The spec 'tests.test_specs.Fill20x10Png' has no source file associated with it."
    )


def test_missing_source_is_reachable_from_the_spec_class():
    with pytest.raises(Fill20x10Png.MissingSource):
        Fill20x10Png(source=None).generate()


def test_cachefile_name_without_a_source_is_none():
    assert Fill20x10Png(source=None).cachefile_name is None


# --- source open/close ------------------------------------------------------------------


@pytest.fixture
def png_path(tmp_path, make_image):
    path = tmp_path / "source.png"
    path.write_bytes(make_image("PNG", size=(40, 30)))
    return path


def test_generate_reopens_a_closed_source(png_path):
    source = File(open(png_path, "rb"), name=str(png_path))
    source.close()

    image = opened(Fill20x10Png(source=source).generate())

    assert image.size == (20, 10)


def test_generate_closes_a_source_it_had_to_open(png_path):
    source = File(open(png_path, "rb"), name=str(png_path))
    source.close()

    Fill20x10Png(source=source).generate()

    assert source.closed


def test_generate_leaves_an_open_source_open(png_path):
    with open(png_path, "rb") as raw:
        source = File(raw, name=str(png_path))

        Fill20x10Png(source=source).generate()

        assert not source.closed


def test_generate_accepts_a_plain_file_opened_in_binary_mode(png_path):
    with open(png_path, "rb") as source:
        image = opened(Fill20x10Png(source=source).generate())

    assert image.size == (20, 10)


def test_generate_accepts_a_plain_file_opened_in_text_mode(png_path):
    # The source group example of the docs yields ``open(name)``.
    with open(png_path) as source:
        image = opened(Fill20x10Png(source=source).generate())

    assert image.size == (20, 10)


def test_generate_leaves_a_plain_file_open(png_path):
    with open(png_path, "rb") as source:
        Fill20x10Png(source=source).generate()

        assert not source.closed


def test_generate_can_run_twice_on_the_same_plain_file(png_path):
    with open(png_path) as source:
        spec = Fill20x10Png(source=source)
        spec.generate()

        image = opened(spec.generate())

    assert image.size == (20, 10)


# --- get_hash ---------------------------------------------------------------------------


def test_get_hash_is_the_same_for_equal_specs():
    first = Fill20x10Png(source=ContentFile(b"", name="photos/dog.png"))
    second = Fill20x10Png(source=ContentFile(b"other bytes", name="photos/dog.png"))

    assert first.get_hash() == second.get_hash()


def test_get_hash_is_a_32_character_md5_hex_digest():
    spec_hash = Fill20x10Png(source=ContentFile(b"", name="photos/dog.png")).get_hash()
    other_hash = Fill20x10Png(source=ContentFile(b"", name="photos/cat.png")).get_hash()

    assert re.fullmatch(r"[0-9a-f]{32}", spec_hash)
    assert other_hash != spec_hash  # a digest of the spec, not a constant


def _hash_of(source_name="photos/dog.png", **class_attrs):
    attrs = {"processors": [ResizeToFill(20, 10)], "format": "PNG", **class_attrs}
    spec_class = type("HashedSpec", (ImageSpec,), attrs)
    return spec_class(source=ContentFile(b"", name=source_name)).get_hash()


def test_get_hash_changes_with_the_processor_arguments():
    assert _hash_of() != _hash_of(processors=[ResizeToFill(20, 11)])


def test_get_hash_changes_with_the_processor_class():
    assert _hash_of() != _hash_of(processors=[ResizeToFit(20, 10)])


def test_get_hash_changes_with_the_format():
    assert _hash_of() != _hash_of(format="JPEG")


def test_get_hash_changes_with_the_options():
    assert _hash_of(options={"quality": 80}) != _hash_of(options={"quality": 81})


def test_get_hash_changes_with_autoconvert():
    assert _hash_of() != _hash_of(autoconvert=False)


def test_get_hash_changes_with_the_source_name():
    assert _hash_of() != _hash_of(source_name="photos/cat.png")


def test_get_hash_ignores_the_order_options_were_written_in():
    first = _hash_of(options={"quality": 80, "optimize": True})
    second = _hash_of(options={"optimize": True, "quality": 80})

    assert first == second


# --- the dynamic spec of the docs ----------------------------------------------------


@pytest.fixture
def profile(db, media_storage, image_file):
    profile = Profile(thumbnail_width=33, thumbnail_height=21)
    profile.avatar.save("me.jpg", image_file("me.jpg", size=(90, 60)))
    return Profile.objects.get(pk=profile.pk)


def test_dynamic_spec_takes_its_size_from_the_model(profile):
    image = opened(profile.avatar_thumbnail.generator.generate())

    assert image.size == (33, 21)


def test_dynamic_spec_follows_a_change_of_the_model(profile):
    profile.thumbnail_width = 12

    image = opened(profile.avatar_thumbnail.generator.generate())

    assert image.size == (12, 21)


def test_dynamic_spec_cache_file_has_the_model_size(profile):
    thumbnail = profile.avatar_thumbnail

    assert (thumbnail.width, thumbnail.height) == (33, 21)


def test_dynamic_spec_is_the_one_registered_under_the_field_spec_id(profile):
    assert type(profile.avatar_thumbnail.generator) is AvatarThumbnail


# --- pickling -------------------------------------------------------------------------


def test_dynamic_spec_class_instances_survive_pickling(make_image):
    spec_class = create_spec_class({"processors": [ResizeToFill(6, 4)], "format": "PNG"})
    spec = spec_class(source=png_source(make_image))

    restored = pickle.loads(pickle.dumps(spec))

    assert type(restored).__name__ == "DynamicSpec"
    assert restored.get_hash() == spec.get_hash()
    assert opened(restored.generate()).size == (6, 4)


def test_create_spec_rebuilds_an_instance_from_class_attributes_and_state():
    attrs = {"processors": [ResizeToFill(6, 4)], "format": "PNG"}
    source = ContentFile(b"", name="photos/dog.png")

    spec = create_spec(attrs, {"_source": source})

    assert isinstance(spec, ImageSpec)
    assert spec.source is source
    assert spec.get_hash() == create_spec_class(attrs)(source=source).get_hash()


def test_dynamic_spec_class_carries_the_given_attributes():
    spec_class = create_spec_class({"format": "WEBP", "options": {"quality": 5}})

    assert (spec_class.format, spec_class.options) == ("WEBP", {"quality": 5})


def test_spec_with_a_model_image_source_survives_pickling(profile):
    spec = AvatarThumbnail(source=profile.avatar)

    restored = pickle.loads(pickle.dumps(spec))

    assert restored.source.name == profile.avatar.name
    assert restored.source.instance.pk == profile.pk


def test_spec_with_a_model_image_source_still_generates_after_pickling(profile):
    spec = AvatarThumbnail(source=profile.avatar)

    restored = pickle.loads(pickle.dumps(spec))

    assert opened(restored.generate()).size == (33, 21)


def test_spec_state_keeps_a_model_image_source_as_instance_and_field_name(profile):
    state = AvatarThumbnail(source=profile.avatar).__getstate__()

    assert "_source" not in state
    assert state["_field_data"] == {"instance": profile, "attname": "avatar"}


def test_model_instance_holding_a_spec_file_can_be_pickled(profile):
    # Issue #234: the ImageSpecField's file is cached in the instance __dict__.
    profile.avatar_thumbnail  # noqa: B018

    restored = pickle.loads(pickle.dumps(profile))

    cached = restored.__dict__["avatar_thumbnail"]
    assert cached.generator.source.name == profile.avatar.name
    assert cached.generator.source.instance is restored


# --- SpecHost ---------------------------------------------------------------------------


def test_spec_host_refuses_both_a_spec_and_spec_attributes():
    with pytest.raises(TypeError, match="either an image spec or arguments"):
        SpecHost(spec=Fill20x10Png, format="JPEG")


def test_spec_host_ignores_attributes_that_are_none(registrations):
    host = SpecHost(spec=Fill20x10Png, spec_id="tests:specs:nones", format=None, processors=None)

    assert type(host.get_spec(source=None)) is Fill20x10Png


def test_spec_host_without_a_spec_id_raises_missing_generator_id():
    host = SpecHost(format="PNG")

    with pytest.raises(MissingGeneratorId, match="has no spec id"):
        host.get_spec(source=None)


def test_spec_host_missing_id_error_is_caught_by_except_exception():
    # ImageKit raised a bare Exception here.
    assert issubclass(MissingGeneratorId, Exception)


def test_spec_host_registers_its_attributes_as_a_spec_under_its_id(registrations):
    host = SpecHost(spec_id="tests:specs:hosted", processors=[ResizeToFill(5, 5)], format="PNG")

    spec = host.get_spec(source=ContentFile(b"", name="a.png"))

    assert type(spec).__name__ == "DynamicSpec"
    assert spec.format == "PNG"


def test_spec_host_leaves_an_already_registered_spec_in_place(registrations):
    register.generator("tests:specs:overridden", Fill20x10Png)

    host = SpecHost(spec_id="tests:specs:overridden", format="JPEG")

    assert type(host.get_spec(source=None)) is Fill20x10Png


def test_registering_a_different_spec_under_a_hosts_id_still_raises(registrations):
    SpecHost(spec_id="tests:specs:claimed", format="JPEG")

    with pytest.raises(AlreadyRegistered):
        register.generator("tests:specs:claimed", Fill20x10Png)


# --- the generator library: Thumbnail ---------------------------------------------------


def test_thumbnail_generator_is_registered_as_imagekit_thumbnail():
    assert "imagekit:thumbnail" in generator_registry.get_ids()


def test_imagekit_thumbnail_id_builds_a_thumbnail_spec_for_the_source():
    source = ContentFile(b"", name="a.png")

    spec = generator_registry.get("imagekit:thumbnail", width=10, height=10, source=source)

    assert type(spec) is Thumbnail
    assert spec.source is source


def test_thumbnail_with_both_dimensions_crops_to_them(make_image):
    spec = Thumbnail(width=30, height=30, source=png_source(make_image, size=(64, 48)))

    assert opened(spec.generate()).size == (30, 30)


def test_thumbnail_without_crop_fits_inside_the_box(make_image):
    spec = Thumbnail(width=30, height=30, crop=False, source=png_source(make_image, size=(64, 48)))

    assert opened(spec.generate()).size == (30, 22)


def test_thumbnail_with_one_dimension_keeps_the_aspect_ratio(make_image):
    spec = Thumbnail(width=32, source=png_source(make_image, size=(64, 48)))

    assert opened(spec.generate()).size == (32, 24)


def test_thumbnail_anchor_picks_the_part_that_is_kept():
    source = ContentFile(two_halves((80, 40)), name="halves.png")

    left = opened(Thumbnail(width=20, height=20, anchor="l", source=source).generate())
    right = opened(Thumbnail(width=20, height=20, anchor="r", source=source).generate())

    assert left.convert("RGB").getpixel((10, 10)) == RED
    assert right.convert("RGB").getpixel((10, 10)) == BLUE


def test_thumbnail_refuses_an_anchor_without_cropping():
    with pytest.raises(Exception, match="anchor point if crop is False"):
        Thumbnail(width=20, height=20, anchor="l", crop=False)


def test_thumbnail_cropping_with_a_missing_dimension_fails_on_generate(make_image):
    spec = Thumbnail(width=20, crop=True, source=png_source(make_image))

    with pytest.raises(Exception, match="both a width and height"):
        spec.generate()


def test_thumbnail_keeps_the_source_format_by_default(make_image):
    source = ContentFile(make_image("GIF", size=(32, 32), mode="P", color=1), name="a.gif")

    assert opened(Thumbnail(width=8, height=8, source=source).generate()).format == "GIF"


def test_thumbnail_honours_an_explicit_format(make_image):
    spec = Thumbnail(width=8, height=8, format="JPEG", source=png_source(make_image))

    assert opened(spec.generate()).format == "JPEG"


def test_thumbnail_uses_pilkits_thumbnail_processor():
    from pilkit.processors import Thumbnail as PilkitThumbnail

    spec = Thumbnail(width=8, height=6, anchor="c", source=None)

    assert [type(p) for p in spec.processors] == [PilkitThumbnail]
    assert vars(spec.processors[0]) == {
        "width": 8,
        "height": 6,
        "anchor": "c",
        "crop": True,
        "upscale": None,
    }


def test_adjust_processor_runs_inside_a_spec(make_image):
    class Darker(ImageSpec):
        processors = [Adjust(brightness=0.0)]
        format = "PNG"

    source = ContentFile(make_image("PNG", size=(4, 4), color="white"), name="w.png")

    assert opened(Darker(source=source).generate()).convert("RGB").getpixel((0, 0)) == (0, 0, 0)


# --------------------------------------------------------------------------
# Remembered names (a warm page asks for the same names again and again)
# --------------------------------------------------------------------------


class _Named(ImageSpec):
    processors = [ResizeToFill(10, 10)]
    format = "PNG"


def _source_named(name):
    return ContentFile(b"", name=name)


def test_a_remembered_name_is_the_name_worked_out_afresh():
    spec = _Named(source=_source_named("photos/dog.jpg"))
    first = spec.cachefile_name

    again = _Named(source=_source_named("photos/dog.jpg")).cachefile_name

    assert again == first == f"CACHE/images/photos/dog/{spec.get_hash()}.png"


def test_a_remembered_name_follows_the_cache_folder_setting(settings):
    _ = _Named(source=_source_named("photos/dog.jpg")).cachefile_name
    settings.IMAGEKIT_CACHEFILE_DIR = "thumbs"

    name = _Named(source=_source_named("photos/dog.jpg")).cachefile_name

    assert name.startswith("thumbs/photos/dog/")


def test_a_remembered_name_follows_a_changed_class_format():
    class Changing(ImageSpec):
        processors = [ResizeToFill(10, 10)]
        format = "PNG"

    _ = Changing(source=_source_named("a.jpg")).cachefile_name
    Changing.format = "JPEG"

    assert Changing(source=_source_named("a.jpg")).cachefile_name.endswith(".jpg")


_namer_calls: list[object] = []


def counting_namer(generator):
    """A project's own namer: the name changes with every call."""
    _namer_calls.append(generator)
    return f"CACHE/custom/{len(_namer_calls)}.png"


def test_a_project_namer_is_asked_every_time(settings):
    settings.IMAGEKIT_SPEC_CACHEFILE_NAMER = "tests.test_specs.counting_namer"
    _namer_calls.clear()

    names = [_Named(source=_source_named("a.jpg")).cachefile_name for _ in range(2)]

    assert names == ["CACHE/custom/1.png", "CACHE/custom/2.png"]


def test_a_missing_source_names_the_spec_its_id_and_the_empty_field(db):
    photo = Photo.objects.create()

    with pytest.raises(MissingSource) as excinfo:
        photo.thumbnail.generator.generate()

    message = str(excinfo.value)
    assert "(tests:photo:thumbnail)" in message
    assert f"(field tests.Photo.original_image of pk={photo.pk})" in message
    assert " at 0x" not in message


def test_a_deleted_source_file_names_the_spec_and_the_field(db, media_storage, image_file):
    photo = Photo.objects.create(original_image=image_file("gone.jpg"))
    media_storage.delete(photo.original_image.name)
    photo = Photo.objects.get(pk=photo.pk)

    with pytest.raises(MissingSource) as excinfo:
        photo.thumbnail.generator.generate()

    message = str(excinfo.value)
    assert repr(photo.original_image.name) in message
    assert "(tests:photo:thumbnail)" in message
    assert f"(field tests.Photo.original_image of pk={photo.pk})" in message
