"""Source groups: the source_* signals, their strategies, and custom groups."""

from __future__ import annotations

import json
from collections import namedtuple
from pathlib import Path

import pytest
from django.core.files import File
from django.core.management import call_command
from PIL import Image

from imagekit import ImageSpec, register, unregister
from imagekit.cachefiles import LazyImageCacheFile
from imagekit.cachefiles.strategies import Optimistic
from imagekit.processors import ResizeToFill
from imagekit.registry import cachefile_registry
from imagekit.signals import source_changed, source_created, source_deleted, source_saved
from imagekit.specs.sourcegroups import ImageFieldSourceGroup, SourceGroupFilesGenerator
from tests.testapp.models import (
    ConcreteImageModel,
    ConcreteImageModelSubclass,
    Photo,
    SgCaptionedPhoto,
    SgOptimisticPhoto,
    SgWatchedPhoto,
    SgWatchedThumbnail,
)

SOURCE_SIGNALS = {
    "source_created": source_created,
    "source_changed": source_changed,
    "source_saved": source_saved,
    "source_deleted": source_deleted,
}

WATCHED_ID = "tests:sgwatchedphoto:thumbnail"
CUSTOM_ID = "tests:sourcegroups:custom"

Sent = namedtuple("Sent", "signal sender source")


# --- helpers and fixtures --------------------------------------------------


@pytest.fixture
def sent():
    """Record every source signal sent during the test, in order."""
    log: list[Sent] = []
    receivers = []
    for name, signal in SOURCE_SIGNALS.items():

        def receiver(sender, source, _name=name, **kwargs):
            log.append(Sent(_name, sender, source))

        signal.connect(receiver)
        receivers.append((signal, receiver))
    yield log
    for signal, receiver in receivers:
        signal.disconnect(receiver)


def signals_per_group(log: list[Sent]) -> list[list[str]]:
    """Return, for each group that sent something, the sorted signal names."""
    per_group: dict[object, list[str]] = {}
    for entry in log:
        per_group.setdefault(entry.sender, []).append(entry.signal)
    return [sorted(names) for names in per_group.values()]


def stored_files(storage, folder: str = "") -> list[str]:
    """Return the names of every file below *folder* in *storage*, sorted."""
    if not storage.exists(folder) and folder:
        return []
    directories, files = storage.listdir(folder)
    names = [f"{folder}/{name}" if folder else name for name in files]
    for directory in directories:
        names += stored_files(storage, f"{folder}/{directory}" if folder else directory)
    return sorted(names)


def image_size(storage, name: str) -> tuple[int, int]:
    with storage.open(name) as file, Image.open(file) as image:
        return image.size


class RecordingStrategy(Optimistic):
    """An Optimistic strategy that also notes the source callbacks it gets."""

    def __init__(self):
        self.calls: list[tuple[str, str]] = []

    def on_source_created(self, file):
        self.calls.append(("created", file.generator.source.name))

    def on_source_changed(self, file):
        self.calls.append(("changed", file.generator.source.name))

    def on_source_deleted(self, file):
        self.calls.append(("deleted", file.generator.source.name))


def recording_spec(strategy) -> type[ImageSpec]:
    class RecordingThumbnail(ImageSpec):
        processors = [ResizeToFill(6, 6)]
        format = "PNG"
        cachefile_strategy = strategy

    return RecordingThumbnail


@pytest.fixture
def watch(registrations):
    """Give SgWatchedPhoto's spec a strategy for the test: ``watch(strategy)``."""

    def install(strategy):
        spec = recording_spec(strategy)
        registrations.generator(WATCHED_ID, spec, replacing=SgWatchedThumbnail)
        return strategy

    return install


@pytest.fixture
def custom_spec(registrations):
    """Register, for the test, a 20x15 JPEG spec under CUSTOM_ID; return its strategy."""
    strategy = RecordingStrategy()

    class CustomThumbnail(ImageSpec):
        processors = [ResizeToFill(20, 15)]
        format = "JPEG"
        cachefile_strategy = strategy

    registrations.generator(CUSTOM_ID, CustomThumbnail)
    return strategy


class FilesInAFolder:
    """A custom source group, as in the docs: every file in a list of paths."""

    def __init__(self, paths, opener):
        self.paths = paths
        self.opener = opener
        self.opened = []

    def files(self):
        for path in self.paths:
            file = self.opener(path)
            self.opened.append(file)
            yield file

    def close(self):
        for file in self.opened:
            file.close()


@pytest.fixture
def registered_groups(registrations):
    """Register custom source groups for the test: ``registered_groups(id, group)``.

    Afterwards each is unregistered, and closed if it can be.
    """

    def add(generator_id, group):
        close = getattr(group, "close", None)
        if close is not None:
            registrations.undo_afterwards(close)  # undone last first: after unregistering
        return registrations.source_group(generator_id, group)

    return add


# --- which signals model saves send -----------------------------------------


@pytest.mark.django_db
def test_creating_an_instance_with_a_file_sends_source_created_and_source_saved(
    sent, media_storage, image_file
):
    Photo.objects.create(original_image=image_file("new.jpg"))

    # Photo has two ImageSpecFields on original_image: one group each.
    assert signals_per_group(sent) == [["source_created", "source_saved"]] * 2


@pytest.mark.django_db
def test_source_signals_come_from_the_image_field_source_group_with_the_field_file(
    sent, media_storage, image_file
):
    photo = Photo.objects.create(original_image=image_file("new.jpg"))

    assert all(
        isinstance(entry.sender, ImageFieldSourceGroup)
        and entry.sender.model_class is Photo
        and entry.sender.image_field == "original_image"
        and entry.source is photo.original_image
        for entry in sent
    )


@pytest.mark.django_db
def test_creating_an_instance_without_a_file_sends_no_source_signal(sent):
    SgCaptionedPhoto.objects.create(caption="no image yet")

    assert sent == []


@pytest.mark.django_db
def test_saving_a_new_instance_again_unchanged_sends_no_source_signal(
    sent, media_storage, image_file
):
    photo = Photo.objects.create(original_image=image_file("new.jpg"))
    sent.clear()

    photo.save()

    assert sent == []


@pytest.mark.django_db
def test_the_first_save_of_an_unchanged_instance_loaded_from_the_database_sends_source_saved(
    sent, media_storage, image_file
):
    pk = Photo.objects.create(original_image=image_file("old.jpg")).pk
    photo = Photo.objects.get(pk=pk)
    sent.clear()

    photo.save()

    # Compatibility (SPEC §10): ImageKit's first save always looks changed.
    assert signals_per_group(sent) == [["source_saved"]] * 2


@pytest.mark.django_db
def test_the_second_save_of_an_unchanged_loaded_instance_sends_no_source_signal(
    sent, media_storage, image_file
):
    pk = Photo.objects.create(original_image=image_file("old.jpg")).pk
    photo = Photo.objects.get(pk=pk)
    photo.save()
    sent.clear()

    photo.save()

    assert sent == []


@pytest.mark.django_db
def test_changing_the_file_of_an_existing_instance_sends_source_changed_and_source_saved(
    sent, media_storage, image_file
):
    photo = Photo.objects.create(original_image=image_file("before.jpg"))
    photo.save()
    sent.clear()

    photo.original_image = image_file("after.jpg")
    photo.save()

    assert signals_per_group(sent) == [["source_changed", "source_saved"]] * 2


@pytest.mark.django_db
def test_source_changed_carries_the_new_file(sent, media_storage, image_file):
    photo = Photo.objects.create(original_image=image_file("before.jpg"))

    photo.original_image = image_file("after.jpg")
    photo.save()

    changed = [entry.source.name for entry in sent if entry.signal == "source_changed"]
    assert changed == ["photos/after.jpg"] * 2


@pytest.mark.django_db
def test_changing_the_file_of_a_loaded_instance_sends_source_changed(
    sent, media_storage, image_file
):
    pk = Photo.objects.create(original_image=image_file("before.jpg")).pk
    photo = Photo.objects.get(pk=pk)
    sent.clear()

    photo.original_image = image_file("after.jpg")
    photo.save()

    assert signals_per_group(sent) == [["source_changed", "source_saved"]] * 2


@pytest.mark.django_db
def test_clearing_the_file_sends_source_deleted_with_the_old_file(sent, media_storage, image_file):
    photo = SgCaptionedPhoto.objects.create(image=image_file("gone.jpg"))
    sent.clear()

    photo.image = None
    photo.save()

    assert [(entry.signal, entry.source.name) for entry in sent] == [
        ("source_deleted", "sg/gone.jpg")
    ]


@pytest.mark.django_db
def test_clearing_the_file_of_a_loaded_instance_sends_source_deleted(
    sent, media_storage, image_file
):
    pk = SgCaptionedPhoto.objects.create(image=image_file("gone.jpg")).pk
    photo = SgCaptionedPhoto.objects.get(pk=pk)
    sent.clear()

    photo.image = ""
    photo.save()

    assert [entry.signal for entry in sent] == ["source_deleted"]


@pytest.mark.django_db
def test_deleting_an_instance_with_a_file_sends_source_deleted(sent, media_storage, image_file):
    photo = SgCaptionedPhoto.objects.create(image=image_file("doomed.jpg"))
    sent.clear()

    photo.delete()

    assert [(entry.signal, entry.source.name) for entry in sent] == [
        ("source_deleted", "sg/doomed.jpg")
    ]


@pytest.mark.django_db
def test_deleting_an_instance_without_a_file_sends_no_source_signal(sent):
    photo = SgCaptionedPhoto.objects.create(caption="empty")

    photo.delete()

    assert sent == []


@pytest.mark.django_db
def test_saving_with_update_fields_that_exclude_the_source_sends_no_source_signal(
    sent, media_storage, image_file
):
    pk = SgCaptionedPhoto.objects.create(image=image_file("kept.jpg")).pk
    photo = SgCaptionedPhoto.objects.get(pk=pk)
    sent.clear()

    photo.image = image_file("not-saved.jpg")
    photo.caption = "new caption"
    photo.save(update_fields=["caption"])

    assert sent == []


@pytest.mark.django_db
def test_saving_with_update_fields_that_include_the_source_sends_its_signals(
    sent, media_storage, image_file
):
    photo = SgCaptionedPhoto.objects.create(image=image_file("first.jpg"))
    sent.clear()

    photo.image = image_file("second.jpg")
    photo.save(update_fields=["image"])

    assert signals_per_group(sent) == [["source_changed", "source_saved"]]


@pytest.mark.django_db
def test_loading_a_fixture_sends_no_source_signal(sent, tmp_path):
    fixture = tmp_path / "photos.json"
    fixture.write_text(
        json.dumps(
            [{"model": "tests.photo", "pk": 1, "fields": {"original_image": "photos/a.jpg"}}]
        )
    )

    call_command("loaddata", str(fixture), verbosity=0)

    assert sent == []


# --- abstract models --------------------------------------------------------


@pytest.mark.django_db
def test_source_signals_are_sent_for_a_concrete_subclass_of_an_abstract_model(
    sent, media_storage, image_file
):
    ConcreteImageModel.objects.create(original_image=image_file("concrete.jpg"))

    assert signals_per_group(sent) == [["source_created", "source_saved"]]


@pytest.mark.django_db
def test_source_signals_are_sent_for_a_subclass_of_that_concrete_model(
    sent, media_storage, image_file
):
    ConcreteImageModelSubclass.objects.create(original_image=image_file("sub.jpg"))

    assert signals_per_group(sent) == [["source_created", "source_saved"]]


@pytest.mark.django_db
def test_the_group_of_an_abstract_model_field_lists_files_of_every_concrete_descendant(
    sent, media_storage, image_file
):
    ConcreteImageModel.objects.create(original_image=image_file("concrete.jpg"))
    ConcreteImageModelSubclass.objects.create(original_image=image_file("sub.jpg"))
    (group,) = {entry.sender for entry in sent}

    files = {(type(file.instance), file.name) for file in group.files()}

    # The subclass's row is also a ConcreteImageModel (multi-table inheritance).
    assert files == {
        (ConcreteImageModel, "abstract/concrete.jpg"),
        (ConcreteImageModel, "abstract/sub.jpg"),
        (ConcreteImageModelSubclass, "abstract/sub.jpg"),
    }


@pytest.mark.django_db
def test_image_field_source_group_files_yields_field_files(sent, media_storage, image_file):
    photo = Photo.objects.create(original_image=image_file("one.jpg"))
    group = sent[0].sender

    assert [type(file) for file in group.files()] == [type(photo.original_image)]


# --- post_init leaves the source alone ---------------------------------------


def test_initialising_an_instance_does_not_read_its_source_attribute():
    photo = Photo(original_image="photos/untouched.jpg")

    # Reading the attribute would have replaced the str with an ImageFieldFile.
    assert type(photo.__dict__["original_image"]) is str


@pytest.mark.django_db
def test_loading_an_instance_runs_a_single_query(django_assert_num_queries):
    pk = Photo.objects.create(original_image="photos/a.jpg").pk

    with django_assert_num_queries(1):
        Photo.objects.get(pk=pk)


@pytest.mark.django_db
def test_loading_an_instance_with_its_source_deferred_does_not_load_the_source(
    django_assert_num_queries,
):
    pk = Photo.objects.create(original_image="photos/a.jpg").pk

    with django_assert_num_queries(1):
        photo = Photo.objects.defer("original_image").get(pk=pk)

    assert photo.get_deferred_fields() == {"original_image"}


# --- strategies, end to end ---------------------------------------------------


@pytest.mark.django_db
def test_an_optimistic_spec_generates_its_file_when_the_source_is_created(
    media_storage, image_file
):
    photo = SgOptimisticPhoto.objects.create(image=image_file("new.jpg", size=(60, 40)))

    assert stored_files(media_storage, "CACHE") == [photo.thumbnail.name]


@pytest.mark.django_db
def test_an_optimistic_spec_generates_the_processed_image(media_storage, image_file):
    photo = SgOptimisticPhoto.objects.create(image=image_file("new.jpg", size=(60, 40)))

    assert image_size(media_storage, photo.thumbnail.name) == (12, 10)


@pytest.mark.django_db
def test_an_optimistic_spec_generates_a_new_file_when_the_source_is_changed(
    media_storage, image_file
):
    photo = SgOptimisticPhoto.objects.create(image=image_file("before.jpg"))
    photo.save()
    first = photo.thumbnail.name

    photo.image = image_file("after.jpg")
    photo.save()

    assert stored_files(media_storage, "CACHE") == sorted([first, photo.thumbnail.name])


@pytest.mark.django_db
def test_an_optimistic_spec_names_its_file_after_the_source(media_storage, image_file):
    photo = SgOptimisticPhoto.objects.create(image=image_file("named.jpg"))

    assert photo.thumbnail.name.startswith("CACHE/images/sg-optimistic/named/")


@pytest.mark.django_db
def test_a_strategy_hears_on_source_created_when_an_instance_is_created(
    watch, media_storage, image_file
):
    strategy = watch(RecordingStrategy())

    SgWatchedPhoto.objects.create(image=image_file("born.jpg"))

    assert strategy.calls == [("created", "sg-watched/born.jpg")]


@pytest.mark.django_db
def test_an_optimistic_subclass_still_generates_when_the_source_is_created(
    watch, media_storage, image_file
):
    watch(RecordingStrategy())

    photo = SgWatchedPhoto.objects.create(image=image_file("born.jpg"))

    assert stored_files(media_storage, "CACHE") == [photo.thumbnail.name]


@pytest.mark.django_db
def test_a_strategy_hears_on_source_changed_when_the_file_changes(watch, media_storage, image_file):
    strategy = watch(RecordingStrategy())
    photo = SgWatchedPhoto.objects.create(image=image_file("before.jpg"))
    strategy.calls.clear()

    photo.image = image_file("after.jpg")
    photo.save()

    assert strategy.calls == [("changed", "sg-watched/after.jpg")]


@pytest.mark.django_db
def test_a_strategy_hears_nothing_when_an_unchanged_instance_is_saved_again(
    watch, media_storage, image_file
):
    strategy = watch(RecordingStrategy())
    photo = SgWatchedPhoto.objects.create(image=image_file("same.jpg"))
    strategy.calls.clear()

    photo.save()

    assert strategy.calls == []


@pytest.mark.django_db
def test_a_strategy_hears_on_source_deleted_when_the_instance_is_deleted(
    watch, media_storage, image_file
):
    strategy = watch(RecordingStrategy())
    photo = SgWatchedPhoto.objects.create(image=image_file("doomed.jpg"))
    strategy.calls.clear()

    photo.delete()

    assert strategy.calls == [("deleted", "sg-watched/doomed.jpg")]


@pytest.mark.django_db
def test_a_strategy_hears_on_source_deleted_when_the_file_is_cleared(
    watch, media_storage, image_file
):
    strategy = watch(RecordingStrategy())
    photo = SgWatchedPhoto.objects.create(image=image_file("cleared.jpg"))
    strategy.calls.clear()

    photo.image = None
    photo.save()

    assert strategy.calls == [("deleted", "sg-watched/cleared.jpg")]


@pytest.mark.django_db
def test_on_source_deleted_gets_the_cache_file_of_the_deleted_source(
    watch, media_storage, image_file
):
    deleted = []
    watch({"on_source_deleted": lambda file: deleted.append(file.name)})
    photo = SgWatchedPhoto.objects.create(image=image_file("doomed.jpg"))
    expected = photo.thumbnail.name

    photo.delete()

    assert deleted == [expected]


@pytest.mark.django_db
def test_a_dict_strategy_gets_each_source_callback_it_defines(watch, media_storage, image_file):
    calls = []
    watch(
        {
            "on_source_created": lambda file: calls.append("created"),
            "on_source_saved": lambda file: calls.append("saved"),
            "on_source_changed": lambda file: calls.append("changed"),
            "on_source_deleted": lambda file: calls.append("deleted"),
        }
    )

    photo = SgWatchedPhoto.objects.create(image=image_file("one.jpg"))
    photo.image = image_file("two.jpg")
    photo.save()
    photo.delete()

    assert sorted(calls) == sorted(["created", "saved", "changed", "saved", "deleted"])


# --- custom source groups -------------------------------------------------------


def _write_image(path: Path, make_image) -> Path:
    path.write_bytes(make_image("JPEG", size=(40, 30)))
    return path


# How a custom group may open its sources (FilesInAFolder closes them).
OPENERS = {
    "django-file": lambda path: File(open(path, "rb")),
    "binary-python-file": lambda path: open(path, "rb"),
    "text-python-file": open,
}


@pytest.mark.parametrize("opener", OPENERS.values(), ids=OPENERS.keys())
def test_the_cachefile_registry_yields_lazy_cache_files_for_a_custom_source_group(
    opener, custom_spec, registered_groups, tmp_path, make_image
):
    source = _write_image(tmp_path / "pic.jpg", make_image)
    registered_groups(CUSTOM_ID, FilesInAFolder([source], opener))

    files = list(cachefile_registry.get(CUSTOM_ID))

    assert [type(file) for file in files] == [LazyImageCacheFile]


@pytest.mark.parametrize("opener", OPENERS.values(), ids=OPENERS.keys())
def test_cache_files_of_a_custom_source_group_generate_real_images(
    opener, custom_spec, registered_groups, media_storage, tmp_path, make_image
):
    source = _write_image(tmp_path / "pic.jpg", make_image)
    registered_groups(CUSTOM_ID, FilesInAFolder([source], opener))

    for file in cachefile_registry.get(CUSTOM_ID):
        file.generate()

    (name,) = stored_files(media_storage, "CACHE")
    assert image_size(media_storage, name) == (20, 15)


@pytest.mark.django_db
def test_cache_files_of_a_custom_group_of_field_files_generate_real_images(
    custom_spec, registered_groups, media_storage, image_file
):
    photo = SgCaptionedPhoto.objects.create(image=image_file("field.jpg", size=(40, 30)))
    registered_groups(CUSTOM_ID, FilesInAFolder([photo.pk], lambda pk: photo.image))

    (file,) = cachefile_registry.get(CUSTOM_ID)
    file.generate()

    assert image_size(media_storage, file.name) == (20, 15)


def test_a_custom_source_group_yields_one_cache_file_per_source(
    custom_spec, registered_groups, tmp_path, make_image
):
    paths = [_write_image(tmp_path / f"{n}.jpg", make_image) for n in range(3)]
    registered_groups(CUSTOM_ID, FilesInAFolder(paths, OPENERS["binary-python-file"]))

    sources = [file.generator.source.name for file in cachefile_registry.get(CUSTOM_ID)]

    assert sources == [str(path) for path in paths]


def test_a_registered_custom_group_relays_its_source_signals_to_the_strategy(
    custom_spec, registered_groups, tmp_path, make_image
):
    source = _write_image(tmp_path / "pic.jpg", make_image)
    group = registered_groups(CUSTOM_ID, FilesInAFolder([source], OPENERS["django-file"]))

    with File(open(source, "rb")) as file:
        source_changed.send(sender=group, source=file)

    assert custom_spec.calls == [("changed", str(source))]


def test_unregistering_a_source_group_removes_its_cache_files(custom_spec, tmp_path, make_image):
    source = _write_image(tmp_path / "pic.jpg", make_image)
    group = FilesInAFolder([source], OPENERS["django-file"])
    register.source_group(CUSTOM_ID, group)
    assert len(list(cachefile_registry.get(CUSTOM_ID))) == 1  # listed while registered
    group.close()

    unregister.source_group(CUSTOM_ID, group)

    assert list(cachefile_registry.get(CUSTOM_ID)) == []


def test_unregistering_a_source_group_stops_relaying_its_signals(custom_spec, tmp_path, make_image):
    source = _write_image(tmp_path / "pic.jpg", make_image)
    group = FilesInAFolder([source], OPENERS["django-file"])
    register.source_group(CUSTOM_ID, group)
    with File(open(source, "rb")) as file:
        source_changed.send(sender=group, source=file)
    assert custom_spec.calls == [("changed", str(source))]  # relayed while registered

    unregister.source_group(CUSTOM_ID, group)
    with File(open(source, "rb")) as file:
        source_changed.send(sender=group, source=file)

    assert custom_spec.calls == [("changed", str(source))]


def test_unregistering_a_source_group_keeps_its_other_generator_ids(
    custom_spec, registered_groups, tmp_path, make_image
):
    source = _write_image(tmp_path / "pic.jpg", make_image)
    group = registered_groups(CUSTOM_ID, FilesInAFolder([source], OPENERS["django-file"]))
    register.source_group("tests:sourcegroups:other", group)

    unregister.source_group("tests:sourcegroups:other", group)

    assert list(cachefile_registry.get("tests:sourcegroups:other")) == []
    assert len(list(cachefile_registry.get(CUSTOM_ID))) == 1


def test_unregistering_a_source_group_that_was_never_registered_is_ignored():
    unregister.source_group(CUSTOM_ID, FilesInAFolder([], OPENERS["django-file"]))

    assert list(cachefile_registry.get(CUSTOM_ID)) == []


# --- SourceGroupFilesGenerator ------------------------------------------------


def test_source_group_files_generators_of_the_same_group_and_id_are_equal():
    group = FilesInAFolder([], OPENERS["django-file"])

    assert SourceGroupFilesGenerator(group, "a:b") == SourceGroupFilesGenerator(group, "a:b")


def test_source_group_files_generators_of_the_same_group_and_id_hash_alike():
    group = FilesInAFolder([], OPENERS["django-file"])

    first = SourceGroupFilesGenerator(group, "a:b")
    second = SourceGroupFilesGenerator(group, "a:b")

    assert {first, second} == {first}


def test_source_group_files_generators_with_different_ids_differ():
    group = FilesInAFolder([], OPENERS["django-file"])

    assert SourceGroupFilesGenerator(group, "a:b") != SourceGroupFilesGenerator(group, "a:c")


def test_source_group_files_generators_with_different_groups_differ():
    first = FilesInAFolder([], OPENERS["django-file"])
    second = FilesInAFolder([], OPENERS["django-file"])

    assert SourceGroupFilesGenerator(first, "a:b") != SourceGroupFilesGenerator(second, "a:b")


def test_a_source_group_files_generator_yields_a_lazy_cache_file_per_source(
    custom_spec, tmp_path, make_image
):
    source = _write_image(tmp_path / "pic.jpg", make_image)
    group = FilesInAFolder([source], OPENERS["binary-python-file"])

    files = list(SourceGroupFilesGenerator(group, CUSTOM_ID)())
    group.close()

    assert [str(file.generator.source.name) for file in files] == [str(source)]
