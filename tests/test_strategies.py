"""Cache file strategies: when files are generated, and how strategies are loaded.

Optimistic promises that reading a file's URL or testing it costs no storage
and no cache I/O at all; those tests count the calls.
"""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile

from imagekit import ImageSpec
from imagekit.cachefiles import ImageCacheFile
from imagekit.cachefiles.strategies import DictStrategy, JustInTime, Optimistic, load_strategy
from imagekit.processors import ResizeToFill
from imagekit.signals import source_saved
from tests.support.doubles import PlainGenerator

# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------


class FileThatRecordsGenerate:
    """Stands in for a cache file: it only records generate() calls."""

    def __init__(self):
        self.generate_calls = 0

    def generate(self, force=False):
        self.generate_calls += 1


class StrategyWithArgumentlessInit:
    def __init__(self):
        self.made_by_load_strategy = True


class OptimisticSpec(ImageSpec):
    processors = [ResizeToFill(8, 8)]
    format = "PNG"
    cachefile_strategy = "imagekit.cachefiles.strategies.Optimistic"


OPTIMISTIC_SPEC_ID = "tests:strategies:optimistic"


@pytest.fixture
def optimistic_file(recording_storage, recording_backend, make_image, registrations):
    """A registered Optimistic spec's file (so that signals reach its strategy)."""
    registrations.generator(OPTIMISTIC_SPEC_ID, OptimisticSpec)
    source = ContentFile(make_image("PNG"), name="photos/optimist.png")
    return ImageCacheFile(
        OptimisticSpec(source=source),
        storage=recording_storage,
        cachefile_backend=recording_backend,
    )


# --------------------------------------------------------------------------
# JustInTime
# --------------------------------------------------------------------------


def test_just_in_time_generates_when_existence_is_required():
    file = FileThatRecordsGenerate()

    JustInTime().on_existence_required(file)

    assert file.generate_calls == 1


def test_just_in_time_generates_when_content_is_required():
    file = FileThatRecordsGenerate()

    JustInTime().on_content_required(file)

    assert file.generate_calls == 1


def test_just_in_time_does_not_react_to_a_saved_source():
    assert not hasattr(JustInTime(), "on_source_saved")


# --------------------------------------------------------------------------
# Optimistic
# --------------------------------------------------------------------------


def test_optimistic_generates_when_the_source_is_saved():
    file = FileThatRecordsGenerate()

    Optimistic().on_source_saved(file)

    assert file.generate_calls == 1


def test_optimistic_never_verifies_existence():
    assert Optimistic().should_verify_existence(FileThatRecordsGenerate()) is False


def test_optimistic_does_not_generate_when_existence_is_required():
    assert not hasattr(Optimistic(), "on_existence_required")


def test_an_optimistic_file_is_true_without_touching_the_storage(
    optimistic_file, recording_storage
):
    assert bool(optimistic_file) is True
    assert recording_storage.calls == []


def test_an_optimistic_file_is_true_without_touching_the_cache(optimistic_file, recording_cache):
    bool(optimistic_file)

    assert recording_cache.calls == []


def test_an_optimistic_files_url_only_asks_the_storage_for_the_url(
    optimistic_file, recording_storage
):
    url = optimistic_file.url

    assert url == f"/media/{optimistic_file.name}"
    assert recording_storage.calls == [("url", optimistic_file.name)]


def test_an_optimistic_files_url_does_not_touch_the_cache(optimistic_file, recording_cache):
    _ = optimistic_file.url

    assert recording_cache.calls == []


def test_an_optimistic_file_is_true_even_with_an_async_backend(recording_storage):
    class AsyncBackend:
        is_async = True

        def exists(self, file):
            raise AssertionError("Optimistic must not ask the backend")

    file = ImageCacheFile(
        PlainGenerator(must_not_run=True),
        storage=recording_storage,
        cachefile_backend=AsyncBackend(),
        cachefile_strategy=Optimistic,
    )

    assert bool(file) is True


# --------------------------------------------------------------------------
# DictStrategy and load_strategy
# --------------------------------------------------------------------------


def test_a_dict_strategy_exposes_each_callback_as_an_attribute():
    def on_source_saved(file):
        return None

    strategy = DictStrategy({"on_source_saved": on_source_saved})

    assert strategy.on_source_saved is on_source_saved


def test_a_dict_strategy_has_only_the_callbacks_it_was_given():
    strategy = DictStrategy({"on_source_saved": lambda file: None})

    assert not hasattr(strategy, "on_existence_required")


def test_loading_a_dotted_path_gives_an_instance_of_that_class():
    assert isinstance(load_strategy("imagekit.cachefiles.strategies.Optimistic"), Optimistic)


def test_loading_a_dotted_path_twice_gives_the_same_instance():
    path = "imagekit.cachefiles.strategies.JustInTime"

    assert load_strategy(path) is load_strategy(path)


def test_loading_a_dict_gives_a_dict_strategy():
    def on_content_required(file):
        return None

    strategy = load_strategy({"on_content_required": on_content_required})

    assert isinstance(strategy, DictStrategy)
    assert strategy.on_content_required is on_content_required


def test_loading_a_class_gives_a_new_instance_of_it():
    strategy = load_strategy(StrategyWithArgumentlessInit)

    assert isinstance(strategy, StrategyWithArgumentlessInit)
    assert strategy.made_by_load_strategy


def test_loading_a_strategy_object_returns_it_unchanged():
    strategy = Optimistic()

    assert load_strategy(strategy) is strategy


# --------------------------------------------------------------------------
# Per-spec strategies
# --------------------------------------------------------------------------


def test_a_spec_loads_a_strategy_given_as_a_dotted_path(make_image):
    spec = OptimisticSpec(source=ContentFile(make_image(), name="a.jpg"))

    assert isinstance(spec.cachefile_strategy, Optimistic)


def test_a_spec_loads_a_strategy_given_as_a_class(make_image):
    class Spec(ImageSpec):
        cachefile_strategy = Optimistic

    spec = Spec(source=ContentFile(make_image(), name="a.jpg"))

    assert isinstance(spec.cachefile_strategy, Optimistic)


def test_a_spec_loads_a_strategy_given_as_a_dict(make_image):
    def on_content_required(file):
        return None

    class Spec(ImageSpec):
        cachefile_strategy = {"on_content_required": on_content_required}

    spec = Spec(source=ContentFile(make_image(), name="a.jpg"))

    assert isinstance(spec.cachefile_strategy, DictStrategy)
    assert spec.cachefile_strategy.on_content_required is on_content_required


def test_a_cache_file_uses_its_specs_strategy(make_image):
    spec = OptimisticSpec(source=ContentFile(make_image(), name="a.jpg"))

    assert ImageCacheFile(spec).cachefile_strategy is spec.cachefile_strategy


def test_a_specs_dict_strategy_callback_runs_when_the_url_is_read(
    recording_storage, make_image, registrations
):
    required = []

    class Spec(ImageSpec):
        format = "PNG"
        cachefile_strategy = {"on_existence_required": required.append}

    registrations.generator("tests:strategies:dict", Spec)
    file = ImageCacheFile(
        Spec(source=ContentFile(make_image(), name="a.jpg")), storage=recording_storage
    )

    _ = file.url

    assert required == [file]


def test_a_spec_strategys_on_source_saved_runs_for_its_source_group(
    recording_storage, make_image, registrations
):
    saved = []

    class Spec(ImageSpec):
        format = "PNG"
        cachefile_storage = recording_storage
        cachefile_strategy = {"on_source_saved": saved.append}

    source_group = object()
    source = ContentFile(make_image(), name="a.jpg")
    registrations.generator("tests:strategies:saved", Spec)
    registrations.source_group("tests:strategies:saved", source_group)

    source_saved.send(sender=source_group, source=source)

    [file] = saved
    assert file.generator.source is source


# --------------------------------------------------------------------------
# IMAGEKIT_DEFAULT_CACHEFILE_STRATEGY
# --------------------------------------------------------------------------


def test_a_generator_without_a_strategy_gets_the_default_strategy_setting(settings):
    settings.IMAGEKIT_DEFAULT_CACHEFILE_STRATEGY = "imagekit.cachefiles.strategies.Optimistic"

    file = ImageCacheFile(PlainGenerator(must_not_run=True))

    assert isinstance(file.cachefile_strategy, Optimistic)


def test_the_default_strategy_setting_names_a_shared_instance(settings):
    settings.IMAGEKIT_DEFAULT_CACHEFILE_STRATEGY = "imagekit.cachefiles.strategies.Optimistic"

    first = ImageCacheFile(PlainGenerator(must_not_run=True))
    second = ImageCacheFile(PlainGenerator(must_not_run=True))

    assert first.cachefile_strategy is second.cachefile_strategy


def test_an_image_spec_keeps_the_default_strategy_read_when_imagekit_was_imported(
    settings, make_image
):
    # Compatibility: ImageKit reads the setting into BaseImageSpec's class body.
    settings.IMAGEKIT_DEFAULT_CACHEFILE_STRATEGY = "imagekit.cachefiles.strategies.Optimistic"

    spec = ImageSpec(source=ContentFile(make_image(), name="a.jpg"))

    assert isinstance(ImageCacheFile(spec).cachefile_strategy, JustInTime)
