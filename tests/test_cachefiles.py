"""``ImageCacheFile``: naming, storage, backend and strategy resolution, the
signals it sends, when it touches storage, pickling, and the lazy variant.

Laziness is a feature: every guarantee about I/O below is checked by counting
the calls a recording storage receives.
"""

from __future__ import annotations

import io
import logging
import os
import pickle
import posixpath

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, Storage, storages
from PIL import Image

from imagekit import ImageSpec
from imagekit.cachefiles import ImageCacheFile, LazyGeneratedImageFile, LazyImageCacheFile
from imagekit.cachefiles.backends import Simple, get_default_cachefile_backend
from imagekit.cachefiles.strategies import DictStrategy, JustInTime, Optimistic
from imagekit.processors import ResizeToFill
from imagekit.signals import content_required, existence_required
from imagekit.utils import get_storage
from tests.support.doubles import PlainGenerator, stored_file
from tests.testapp.models import Photo

# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------


class RenamingStorage(Storage):
    """A remote-like storage (in memory, no local paths) that renames every file."""

    def __init__(self, location=None):
        self.files = {}

    def get_available_name(self, name, max_length=None):
        return f"{name}.renamed"

    def _save(self, name, content):
        self.files[name] = content.read()
        return name

    def _open(self, name, mode="rb"):
        return ContentFile(self.files[name], name=name)

    def exists(self, name):
        return name in self.files

    def delete(self, name):
        self.files.pop(name, None)

    def url(self, name):
        return f"/memory/{name}"


class NamedGenerator(PlainGenerator):
    """A generator that names its own cache file."""

    cachefile_name = "CACHE/images/named-by-generator.png"


class RecordingBackend:
    """A backend that records what it is asked and generates nothing."""

    def __init__(self, exists=True):
        self.answer = exists
        self.generated = []
        self.asked = []

    def generate(self, file, force=False):
        self.generated.append((file, force))

    def exists(self, file):
        self.asked.append(file)
        return self.answer


def namer_for_tests(generator):
    return f"CACHE/images/from-the-setting-{generator.get_hash()}"


class TinySpec(ImageSpec):
    processors = [ResizeToFill(8, 8)]
    format = "PNG"


TINY_SPEC_ID = "tests:cachefiles:tiny"


@pytest.fixture
def sent_signals():
    """Record every content_required / existence_required sent during the test."""
    sent = []

    def on_existence_required(sender, file, **kwargs):
        sent.append(("existence_required", sender, file))

    def on_content_required(sender, file, **kwargs):
        sent.append(("content_required", sender, file))

    existence_required.connect(on_existence_required, weak=False)
    content_required.connect(on_content_required, weak=False)
    yield sent
    existence_required.disconnect(on_existence_required)
    content_required.disconnect(on_content_required)


@pytest.fixture
def registered_spec(registrations):
    """Register TinySpec, so that the JustInTime callbacks reach its cache files."""
    registrations.generator(TINY_SPEC_ID, TinySpec)
    return TinySpec


@pytest.fixture
def source(make_image):
    return ContentFile(make_image("JPEG", size=(40, 30)), name="photos/dog.jpg")


# --------------------------------------------------------------------------
# Naming
# --------------------------------------------------------------------------


def test_an_explicit_name_is_used_as_is(recording_storage):
    file = ImageCacheFile(NamedGenerator(), name="CACHE/explicit.png", storage=recording_storage)

    assert file.name == "CACHE/explicit.png"


def test_the_name_comes_from_the_generators_cachefile_name(recording_storage):
    file = ImageCacheFile(NamedGenerator(), storage=recording_storage)

    assert file.name == "CACHE/images/named-by-generator.png"


def test_a_spec_is_named_by_the_spec_cachefile_namer(recording_storage, source):
    spec = TinySpec(source=source)

    file = ImageCacheFile(spec, storage=recording_storage)

    assert file.name == f"CACHE/images/photos/dog/{spec.get_hash()}.png"


def test_a_generator_without_cachefile_name_is_named_by_the_cachefile_namer_setting(
    settings, recording_storage
):
    settings.IMAGEKIT_CACHEFILE_NAMER = "tests.test_cachefiles.namer_for_tests"

    file = ImageCacheFile(PlainGenerator(), storage=recording_storage)

    assert file.name == "CACHE/images/from-the-setting-0123456789abcdef"


def test_the_default_cachefile_namer_names_by_hash_and_format(recording_storage):
    file = ImageCacheFile(PlainGenerator(), storage=recording_storage)

    assert file.name == "CACHE/images/0123456789abcdef.png"


def test_a_spec_without_a_source_gives_a_file_without_a_name(recording_storage):
    file = ImageCacheFile(TinySpec(source=None), storage=recording_storage)

    assert file.name is None


# --------------------------------------------------------------------------
# Storage, backend and strategy resolution
# --------------------------------------------------------------------------


def test_a_callable_storage_is_called_once_and_its_result_used(recording_storage):
    calls = []

    def make_storage():
        calls.append(1)
        return recording_storage

    file = ImageCacheFile(PlainGenerator(), storage=make_storage)

    assert (file.storage, calls) == (recording_storage, [1])


def test_a_storage_instance_is_used_as_is(recording_storage):
    file = ImageCacheFile(PlainGenerator(), storage=recording_storage)

    assert file.storage is recording_storage


def test_the_generators_cachefile_storage_is_used_when_none_is_given(recording_storage):
    generator = PlainGenerator()
    generator.cachefile_storage = recording_storage

    file = ImageCacheFile(generator)

    assert file.storage is recording_storage


def test_a_given_storage_beats_the_generators_cachefile_storage(recording_storage, tmp_path):
    generator = PlainGenerator()
    generator.cachefile_storage = FileSystemStorage(location=str(tmp_path / "other"))

    file = ImageCacheFile(generator, storage=recording_storage)

    assert file.storage is recording_storage


def test_the_default_storage_is_used_when_nothing_names_one():
    file = ImageCacheFile(PlainGenerator())

    assert file.storage is storages["default"]


def test_a_given_backend_beats_the_generators_backend():
    generator = PlainGenerator()
    generator.cachefile_backend = RecordingBackend()
    given = RecordingBackend()

    file = ImageCacheFile(generator, cachefile_backend=given)

    assert file.cachefile_backend is given


def test_the_generators_backend_is_used_when_none_is_given():
    generator = PlainGenerator()
    generator.cachefile_backend = RecordingBackend()

    file = ImageCacheFile(generator)

    assert file.cachefile_backend is generator.cachefile_backend


def test_the_default_backend_setting_is_used_when_nothing_names_a_backend(settings):
    settings.IMAGEKIT_DEFAULT_CACHEFILE_BACKEND = "tests.test_cachefiles.RecordingBackend"

    file = ImageCacheFile(PlainGenerator())

    assert isinstance(file.cachefile_backend, RecordingBackend)
    assert file.cachefile_backend is get_default_cachefile_backend()


def test_a_given_strategy_beats_the_generators_strategy():
    generator = PlainGenerator()
    generator.cachefile_strategy = Optimistic()

    file = ImageCacheFile(generator, cachefile_strategy=JustInTime)

    assert isinstance(file.cachefile_strategy, JustInTime)


def test_a_given_strategy_dict_becomes_a_dict_strategy():
    def callback(file):
        return None

    file = ImageCacheFile(PlainGenerator(), cachefile_strategy={"on_content_required": callback})

    assert isinstance(file.cachefile_strategy, DictStrategy)
    assert file.cachefile_strategy.on_content_required is callback


def test_the_generators_strategy_is_used_when_none_is_given():
    generator = PlainGenerator()
    generator.cachefile_strategy = Optimistic()

    file = ImageCacheFile(generator)

    assert file.cachefile_strategy is generator.cachefile_strategy


def test_the_default_strategy_is_just_in_time():
    file = ImageCacheFile(PlainGenerator())

    assert isinstance(file.cachefile_strategy, JustInTime)


# --------------------------------------------------------------------------
# url and path: a signal, then the storage; no existence check, no open
# --------------------------------------------------------------------------


def test_reading_the_url_sends_existence_required_with_the_file(recording_storage, sent_signals):
    file = ImageCacheFile(PlainGenerator(), storage=recording_storage)

    _ = file.url

    assert sent_signals == [("existence_required", file, file)]


def test_reading_the_url_only_asks_the_storage_for_the_url(recording_storage):
    file = ImageCacheFile(PlainGenerator(), storage=recording_storage)

    url = file.url

    assert url == "/media/CACHE/images/0123456789abcdef.png"
    assert recording_storage.calls == [("url", file.name)]


def test_reading_the_url_of_a_loaded_file_sends_no_signal(recording_storage, sent_signals):
    file = ImageCacheFile(PlainGenerator(), storage=recording_storage)
    file.file = ContentFile(b"already here")

    _ = file.url

    assert sent_signals == []


def test_reading_the_path_sends_existence_required_with_the_file(recording_storage, sent_signals):
    file = ImageCacheFile(PlainGenerator(), storage=recording_storage)

    _ = file.path

    assert sent_signals == [("existence_required", file, file)]


def test_reading_the_path_only_asks_the_storage_for_the_path(recording_storage):
    file = ImageCacheFile(PlainGenerator(), storage=recording_storage)

    path = file.path

    assert path == os.path.join(
        recording_storage.location, "CACHE", "images", "0123456789abcdef.png"
    )
    assert recording_storage.calls == [("path", file.name)]


def test_reading_the_path_of_a_loaded_file_sends_no_signal(recording_storage, sent_signals):
    file = ImageCacheFile(PlainGenerator(), storage=recording_storage)
    file.file = ContentFile(b"already here")

    _ = file.path

    assert sent_signals == []


# --------------------------------------------------------------------------
# Truth value
# --------------------------------------------------------------------------


def test_a_file_without_a_name_is_false(recording_storage):
    file = ImageCacheFile(TinySpec(source=None), storage=recording_storage)

    assert not file


def test_a_file_without_a_name_sends_no_signal_when_tested(recording_storage, sent_signals):
    file = ImageCacheFile(TinySpec(source=None), storage=recording_storage)

    bool(file)

    assert sent_signals == []


def test_testing_a_named_file_sends_existence_required(recording_storage, sent_signals):
    file = ImageCacheFile(
        PlainGenerator(), storage=recording_storage, cachefile_backend=RecordingBackend()
    )

    bool(file)

    assert sent_signals == [("existence_required", file, file)]


def test_a_file_with_the_simple_backend_is_true_because_just_in_time_generates_it(
    registered_spec, source, recording_storage
):
    file = ImageCacheFile(
        TinySpec(source=source), storage=recording_storage, cachefile_backend=Simple()
    )

    assert bool(file) is True
    assert recording_storage.exists(file.name)


def test_a_synchronous_backend_is_not_asked_whether_the_file_exists(recording_storage):
    backend = RecordingBackend(exists=False)
    file = ImageCacheFile(
        PlainGenerator(),
        storage=recording_storage,
        cachefile_backend=backend,
        cachefile_strategy={},
    )

    assert bool(file) is True
    assert backend.asked == []


def test_a_strategy_that_verifies_existence_makes_truth_ask_the_backend(recording_storage):
    backend = RecordingBackend(exists=False)
    strategy = {"should_verify_existence": lambda file: True}
    file = ImageCacheFile(
        PlainGenerator(),
        storage=recording_storage,
        cachefile_backend=backend,
        cachefile_strategy=strategy,
    )

    assert bool(file) is False
    assert backend.asked == [file]


def test_without_should_verify_existence_an_async_backend_is_asked(recording_storage):
    backend = RecordingBackend(exists=False)
    backend.is_async = True
    file = ImageCacheFile(
        PlainGenerator(),
        storage=recording_storage,
        cachefile_backend=backend,
        cachefile_strategy={},
    )

    assert bool(file) is False
    assert backend.asked == [file]


# --------------------------------------------------------------------------
# Content access: a signal, then the storage
# --------------------------------------------------------------------------

CONTENT_ACCESSES = [
    pytest.param(lambda file: file.read(), id="read"),
    pytest.param(lambda file: file.size, id="size"),
    pytest.param(lambda file: file.width, id="width"),
    pytest.param(lambda file: file.height, id="height"),
    pytest.param(lambda file: file.open(), id="open"),
    pytest.param(lambda file: file.file, id="file"),
]
READ_ACCESSES = [p for p in CONTENT_ACCESSES if p.id not in ("width", "height")]
SIZE_ACCESSES = [p for p in CONTENT_ACCESSES if p.id in ("width", "height")]


@pytest.mark.parametrize("access", READ_ACCESSES)
def test_content_access_sends_content_required_with_the_file(
    access, recording_storage, sent_signals, make_image
):
    file = ImageCacheFile(PlainGenerator(), storage=recording_storage)
    stored_file(recording_storage, file.name, make_image("PNG", size=(30, 20)))

    access(file)
    file.close()

    assert sent_signals == [("content_required", file, file)]


@pytest.mark.parametrize("access", SIZE_ACCESSES)
def test_measuring_a_file_of_unrecorded_size_asks_for_existence_then_content(
    access, recording_storage, sent_signals, make_image
):
    file = ImageCacheFile(PlainGenerator(), storage=recording_storage)
    stored_file(recording_storage, file.name, make_image("PNG", size=(30, 20)))

    access(file)
    file.close()

    assert sent_signals == [("existence_required", file, file), ("content_required", file, file)]


@pytest.mark.parametrize("access", SIZE_ACCESSES)
def test_the_size_recorded_with_the_state_is_used_without_opening_the_file(
    access, recording_storage, sent_signals, make_image
):
    file = ImageCacheFile(PlainGenerator(), storage=recording_storage)
    stored_file(recording_storage, file.name, make_image("PNG", size=(30, 20)))
    file.cachefile_backend.set_state(file, "exists", dimensions=(30, 20))
    again = ImageCacheFile(PlainGenerator(), storage=recording_storage)
    recording_storage.calls.clear()

    assert access(again) in (30, 20)
    assert sent_signals == [("existence_required", again, again)]
    assert recording_storage.calls == []


@pytest.mark.parametrize("access", CONTENT_ACCESSES)
def test_content_access_opens_the_file_from_storage_for_binary_reading(
    access, recording_storage, make_image
):
    file = ImageCacheFile(PlainGenerator(), storage=recording_storage)
    stored_file(recording_storage, file.name, make_image("PNG", size=(30, 20)))

    access(file)
    file.close()

    assert recording_storage.calls == [("open", file.name, "rb")]


def test_read_returns_the_stored_bytes(recording_storage):
    file = ImageCacheFile(PlainGenerator(), storage=recording_storage)
    stored_file(recording_storage, file.name, b"stored bytes")

    assert file.read() == b"stored bytes"
    file.close()


def test_width_and_height_are_those_of_the_stored_image(recording_storage, make_image):
    file = ImageCacheFile(PlainGenerator(), storage=recording_storage)
    stored_file(recording_storage, file.name, make_image("PNG", size=(30, 20)))

    assert (file.width, file.height) == (30, 20)


def test_reading_an_ungenerated_just_in_time_file_generates_it_first(
    registered_spec, source, recording_storage
):
    file = ImageCacheFile(
        TinySpec(source=source), storage=recording_storage, cachefile_backend=Simple()
    )

    with Image.open(io.BytesIO(file.read())) as image:
        assert (image.format, image.size) == ("PNG", (8, 8))
    file.close()


# --------------------------------------------------------------------------
# generate() and _generate()
# --------------------------------------------------------------------------


def test_generate_asks_the_backend_to_generate_the_file(recording_storage):
    backend = RecordingBackend()
    file = ImageCacheFile(PlainGenerator(), storage=recording_storage, cachefile_backend=backend)

    file.generate()

    assert backend.generated == [(file, False)]


def test_generate_does_nothing_when_a_file_object_is_loaded(recording_storage):
    backend = RecordingBackend()
    file = ImageCacheFile(PlainGenerator(), storage=recording_storage, cachefile_backend=backend)
    file.file = ContentFile(b"already here")

    file.generate()

    assert backend.generated == []


def test_forced_generate_asks_the_backend_even_when_a_file_object_is_loaded(recording_storage):
    backend = RecordingBackend()
    file = ImageCacheFile(PlainGenerator(), storage=recording_storage, cachefile_backend=backend)
    file.file = ContentFile(b"already here")

    file.generate(force=True)

    assert backend.generated == [(file, True)]


def test_private_generate_saves_the_generators_output_under_the_files_name(recording_storage):
    file = ImageCacheFile(PlainGenerator(data=b"fresh image"), storage=recording_storage)

    file._generate()

    assert recording_storage.methods_called().count("save") == 1
    with recording_storage.open(file.name) as saved:
        assert saved.read() == b"fresh image"
    assert sorted(os.listdir(os.path.dirname(recording_storage.path(file.name)))) == [
        os.path.basename(file.name)  # the temporary file is gone
    ]


def test_private_generate_keeps_the_content_readable_without_the_storage(
    recording_storage, sent_signals
):
    file = ImageCacheFile(PlainGenerator(data=b"fresh image"), storage=recording_storage)
    file._generate()
    recording_storage.calls.clear()

    assert file.read() == b"fresh image"
    assert recording_storage.calls == []
    assert sent_signals == []


def test_private_generate_logs_a_warning_when_the_storage_renames_the_file(tmp_path, caplog):
    file = ImageCacheFile(PlainGenerator(), storage=RenamingStorage(location=str(tmp_path)))

    with caplog.at_level(logging.WARNING, logger="imagekit"):
        file._generate()

    [record] = caplog.records
    assert (record.name, record.levelno) == ("imagekit", logging.WARNING)
    assert f'"{file.name}"' in record.getMessage()
    assert f'"{file.name}.renamed"' in record.getMessage()


def test_private_generate_logs_nothing_when_the_storage_only_normalises_the_name(
    recording_storage, caplog
):
    # Storages return names with "." segments and doubled slashes folded (and
    # with forward slashes on Windows, where namers give backslashes).
    file = ImageCacheFile(PlainGenerator(), name="CACHE/./images//x.png", storage=recording_storage)

    with caplog.at_level(logging.DEBUG, logger="imagekit"):
        file._generate()

    assert caplog.records == []


def test_private_generate_logs_nothing_when_the_storage_keeps_the_name(recording_storage, caplog):
    file = ImageCacheFile(PlainGenerator(), storage=recording_storage)

    with caplog.at_level(logging.DEBUG, logger="imagekit"):
        file._generate()

    assert caplog.records == []


def test_private_generate_leaves_a_taken_name_alone_and_says_so(recording_storage, caplog):
    # ImageKit's behaviour (its own test suite pins it): the storage picks a
    # free name, and the warning names the storage, both names and the backend.
    first = ImageCacheFile(PlainGenerator(data=b"first"), storage=recording_storage)
    first._generate()
    second = ImageCacheFile(
        PlainGenerator(data=b"second"), name=first.name, storage=recording_storage
    )

    with caplog.at_level(logging.WARNING, logger="imagekit"):
        second._generate()

    [record] = caplog.records
    saved_storage, name, actual_name, backend = record.args
    assert (saved_storage, name, backend) == (
        recording_storage,
        first.name,
        second.cachefile_backend,
    )
    assert actual_name != name
    with recording_storage.open(name) as kept, recording_storage.open(actual_name) as other:
        assert (kept.read(), other.read()) == (b"first", b"second")


def test_private_generate_replaces_the_file_on_a_storage_that_allows_overwriting(tmp_path, caplog):
    storage = FileSystemStorage(location=str(tmp_path), allow_overwrite=True)
    ImageCacheFile(PlainGenerator(data=b"first"), storage=storage)._generate()
    again = ImageCacheFile(PlainGenerator(data=b"second"), storage=storage)

    with caplog.at_level(logging.WARNING, logger="imagekit"):
        again._generate()

    assert caplog.records == []
    with storage.open(again.name) as saved:
        assert saved.read() == b"second"
    assert os.listdir(os.path.dirname(storage.path(again.name))) == [os.path.basename(again.name)]


def test_a_forced_regeneration_replaces_the_file_in_place_without_a_warning(
    recording_storage, caplog
):
    file = ImageCacheFile(PlainGenerator(data=b"first"), storage=recording_storage)
    file.generate()
    again = ImageCacheFile(PlainGenerator(data=b"second"), storage=recording_storage)

    with caplog.at_level(logging.WARNING, logger="imagekit"):
        again.generate(force=True)

    assert caplog.records == []
    with recording_storage.open(file.name) as saved:
        assert saved.read() == b"second"
    assert os.listdir(os.path.dirname(recording_storage.path(file.name))) == [
        os.path.basename(file.name)
    ]


# --------------------------------------------------------------------------
# repr() and str()
# --------------------------------------------------------------------------


def test_repr_shows_the_class_and_the_name(recording_storage):
    file = ImageCacheFile(PlainGenerator(), storage=recording_storage)

    assert repr(file) == "<ImageCacheFile: CACHE/images/0123456789abcdef.png>"


def test_repr_of_a_file_without_a_name_shows_none(recording_storage):
    file = ImageCacheFile(TinySpec(source=None), storage=recording_storage)

    assert repr(file) == "<ImageCacheFile: None>"


def test_repr_sends_no_signal(recording_storage, sent_signals):
    file = ImageCacheFile(PlainGenerator(), storage=recording_storage)

    repr(file)

    assert sent_signals == []


def test_repr_of_a_just_in_time_file_does_not_generate_it(
    registered_spec, source, recording_storage
):
    file = ImageCacheFile(
        TinySpec(source=source), storage=recording_storage, cachefile_backend=Simple()
    )

    repr(file)

    assert recording_storage.calls == []


def test_str_is_the_name(recording_storage):
    file = ImageCacheFile(PlainGenerator(), storage=recording_storage)

    assert str(file) == "CACHE/images/0123456789abcdef.png"


def test_str_of_a_file_without_a_name_is_empty(recording_storage):
    file = ImageCacheFile(TinySpec(source=None), storage=recording_storage)

    assert str(file) == ""


# --------------------------------------------------------------------------
# Pickling
# --------------------------------------------------------------------------


def test_pickled_state_leaves_out_the_loaded_file_object(recording_storage):
    file = ImageCacheFile(PlainGenerator(), storage=recording_storage)
    file.file = ContentFile(b"already here")

    assert "_file" not in file.__getstate__()


def test_an_unpickled_file_has_no_file_object_loaded(recording_storage, sent_signals):
    file = ImageCacheFile(PlainGenerator(), storage=recording_storage)
    file.file = ContentFile(b"already here")

    restored = pickle.loads(pickle.dumps(file))
    _ = restored.url

    assert [signal for signal, _sender, _file in sent_signals] == ["existence_required"]


def test_pickled_state_leaves_out_the_default_storage():
    file = ImageCacheFile(PlainGenerator())

    assert "storage" not in file.__getstate__()


def test_an_unpickled_file_gets_the_default_storage_back():
    file = ImageCacheFile(PlainGenerator())

    restored = pickle.loads(pickle.dumps(file))

    assert restored.storage is get_storage()


def test_an_unpickled_file_keeps_its_custom_storage(tmp_path):
    custom = FileSystemStorage(location=str(tmp_path / "custom"))
    file = ImageCacheFile(PlainGenerator(), storage=custom)

    restored = pickle.loads(pickle.dumps(file))

    assert isinstance(restored.storage, FileSystemStorage)
    assert restored.storage is not get_storage()
    assert restored.storage.location == custom.location


def test_an_unpickled_file_keeps_its_name():
    file = ImageCacheFile(PlainGenerator())

    assert pickle.loads(pickle.dumps(file)).name == file.name


# --------------------------------------------------------------------------
# LazyImageCacheFile (a.k.a. LazyGeneratedImageFile)
# --------------------------------------------------------------------------

LAZY_SPEC_ID = "tests:cachefiles:lazy"


@pytest.fixture
def spec_builds(registrations):
    """Register a spec factory under LAZY_SPEC_ID that counts the specs it builds."""
    builds = []

    def build_spec(**kwargs):
        builds.append(kwargs)
        return TinySpec(**kwargs)

    registrations.generator(LAZY_SPEC_ID, build_spec)
    return builds


def test_lazy_generated_image_file_is_the_lazy_image_cache_file():
    assert LazyGeneratedImageFile is LazyImageCacheFile


def test_a_lazy_cache_file_builds_no_generator_until_used(spec_builds, source):
    LazyImageCacheFile(LAZY_SPEC_ID, source=source)

    assert spec_builds == []


def test_a_lazy_cache_file_builds_its_generator_once_with_the_given_arguments(spec_builds, source):
    lazy = LazyImageCacheFile(LAZY_SPEC_ID, source=source)

    _ = lazy.name
    _ = lazy.name

    assert spec_builds == [{"source": source}]


def test_a_lazy_cache_file_has_the_name_of_the_file_it_stands_for(spec_builds, source):
    lazy = LazyImageCacheFile(LAZY_SPEC_ID, source=source)

    assert lazy.name == ImageCacheFile(TinySpec(source=source)).name


def test_the_repr_of_a_lazy_cache_file_names_the_cache_file_class(spec_builds, source):
    lazy = LazyImageCacheFile(LAZY_SPEC_ID, source=source)

    assert repr(lazy) == f"<ImageCacheFile: {lazy.name}>"


def test_the_repr_of_a_lazy_cache_file_without_a_name_shows_none(spec_builds):
    lazy = LazyImageCacheFile(LAZY_SPEC_ID, source=None)

    assert repr(lazy) == "<ImageCacheFile: None>"


def test_the_repr_of_a_lazy_cache_file_generates_nothing(spec_builds, source, media_storage):
    lazy = LazyImageCacheFile(LAZY_SPEC_ID, source=source)

    repr(lazy)

    assert not media_storage.exists(lazy.name)


def test_the_str_of_a_lazy_cache_file_is_its_name(spec_builds, source):
    lazy = LazyImageCacheFile(LAZY_SPEC_ID, source=source)

    assert str(lazy) == lazy.name


def test_generating_a_lazy_cache_file_writes_it_to_storage(spec_builds, source, media_storage):
    lazy = LazyImageCacheFile(LAZY_SPEC_ID, source=source)

    lazy.generate()

    with media_storage.open(lazy.name) as saved, Image.open(saved) as image:
        assert (image.format, image.size) == ("PNG", (8, 8))


# --------------------------------------------------------------------------
# Just in time, end to end, through a model's ImageSpecField
# --------------------------------------------------------------------------


@pytest.fixture
def saved_cachefile_names(media_storage, monkeypatch):
    """Record the names of cache files saved to the default storage."""
    names = []
    original_save = media_storage.save

    def save(name, content, max_length=None):
        if name.startswith("CACHE/"):
            names.append(name)
        return original_save(name, content, max_length=max_length)

    monkeypatch.setattr(media_storage, "save", save)
    return names


@pytest.mark.django_db
def test_reading_a_spec_fields_url_generates_its_file(image_file, media_storage):
    photo = Photo.objects.create(original_image=image_file("dog.jpg", size=(80, 60)))

    url = photo.thumbnail.url

    name = photo.thumbnail.name
    assert url == f"/media/{name}"
    with media_storage.open(name) as saved, Image.open(saved) as image:
        assert (image.format, image.size) == ("JPEG", (50, 50))


@pytest.mark.django_db
def test_reading_a_spec_fields_url_twice_generates_its_file_once(
    image_file, saved_cachefile_names, media_storage
):
    def media_storage_exists(name):
        return media_storage.exists(name)

    photo = Photo.objects.create(original_image=image_file("dog.jpg"))

    _ = photo.thumbnail.url
    _ = photo.thumbnail.url

    # One save: to a hidden temporary name beside the file, renamed over it.
    [saved] = saved_cachefile_names
    assert posixpath.dirname(saved) == posixpath.dirname(photo.thumbnail.name)
    assert media_storage_exists(photo.thumbnail.name)


@pytest.mark.django_db
def test_a_fresh_instance_does_not_generate_a_file_that_was_already_generated(
    image_file, saved_cachefile_names
):
    photo = Photo.objects.create(original_image=image_file("dog.jpg"))
    _ = photo.thumbnail.url

    _ = Photo.objects.get(pk=photo.pk).thumbnail.url

    assert len(saved_cachefile_names) == 1


@pytest.mark.django_db
def test_saving_a_photo_does_not_generate_its_just_in_time_thumbnail(
    image_file, saved_cachefile_names
):
    Photo.objects.create(original_image=image_file("dog.jpg"))

    assert saved_cachefile_names == []


def test_one_cache_file_object_asks_for_existence_once_for_url_path_and_size(
    recording_storage, sent_signals, make_image
):
    file = ImageCacheFile(PlainGenerator(), storage=recording_storage)
    stored_file(recording_storage, file.name, make_image("PNG", size=(30, 20)))
    file.cachefile_backend.set_state(file, "exists", dimensions=(30, 20))

    _ = (file.width, file.url, file.path, file.height, file.url)

    assert sent_signals == [("existence_required", file, file)]


def test_every_truth_test_still_asks_for_existence(recording_storage, sent_signals):
    file = ImageCacheFile(PlainGenerator(), storage=recording_storage)
    _ = file.url

    assert bool(file) and bool(file)
    assert [name for name, _sender, _file in sent_signals] == ["existence_required"] * 3
