"""Cache file backends: the states they remember, where they look them up,
how long they keep them, and how they generate (now, or through a queue)."""

from __future__ import annotations

import pickle
import sys
import threading
import types

import pytest
from django.core.cache import caches
from django.core.cache.backends import base as cache_base
from django.core.cache.backends import locmem
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile

from imagekit import ImageSpec
from imagekit.cachefiles import ImageCacheFile
from imagekit.cachefiles import backends as backends_module
from imagekit.cachefiles.backends import (
    RQ,
    Async,
    BaseAsync,
    CachedFileBackend,
    CacheFileState,
    Celery,
    Dramatiq,
    InvalidFileBackendError,
    Simple,
    get_default_cachefile_backend,
)
from imagekit.cachefiles.state import use_cachefile_state_cache
from tests.support.doubles import PlainGenerator, stored_file

# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------


class FailingProcessor:
    """A processor that always raises, counting its attempts."""

    def __init__(self):
        self.attempts = 0

    def process(self, image):
        self.attempts += 1
        raise RuntimeError("processing failed")


class RecordingAsync(BaseAsync):
    """An async backend whose queue is a list."""

    def __init__(self):
        super().__init__()
        self.scheduled = []

    def schedule_generation(self, file, force=False):
        self.scheduled.append((file, force))


class BrokenQueueAsync(BaseAsync):
    """An async backend whose queue is down."""

    def schedule_generation(self, file, force=False):
        raise ConnectionError("broker unreachable")


class FakeClock:
    """Stands in for the ``time`` module of Django's cache backends."""

    def __init__(self, now=1_000_000.0):
        self.now = now

    def time(self):
        return self.now


@pytest.fixture
def file(recording_storage, recording_backend):
    return ImageCacheFile(
        PlainGenerator(), storage=recording_storage, cachefile_backend=recording_backend
    )


def put_in_storage(file):
    stored_file(file.storage, file.name, b"already generated")


# --------------------------------------------------------------------------
# CacheFileState, errors, the default backend
# --------------------------------------------------------------------------


def test_cache_file_states_are_the_strings_imagekit_stores():
    assert (
        CacheFileState.EXISTS,
        CacheFileState.GENERATING,
        CacheFileState.DOES_NOT_EXIST,
    ) == ("exists", "generating", "does_not_exist")


def test_invalid_file_backend_error_is_an_improperly_configured_error():
    assert issubclass(InvalidFileBackendError, ImproperlyConfigured)


def test_the_default_backend_is_an_instance_of_the_class_the_setting_names(settings):
    settings.IMAGEKIT_DEFAULT_CACHEFILE_BACKEND = "tests.test_backends.RecordingAsync"

    assert isinstance(get_default_cachefile_backend(), RecordingAsync)


def test_the_default_backend_is_a_singleton():
    assert get_default_cachefile_backend() is get_default_cachefile_backend()


def test_the_default_backend_is_simple():
    assert type(get_default_cachefile_backend()) is Simple


# --------------------------------------------------------------------------
# Keys
# --------------------------------------------------------------------------


def test_the_key_is_the_prefix_the_name_and_state(file, recording_backend):
    assert recording_backend.get_key(file) == "imagekit:CACHE/images/0123456789abcdef.png-state"


def test_the_key_uses_the_cache_prefix_setting(settings, file, recording_backend):
    settings.IMAGEKIT_CACHE_PREFIX = "mysite:"

    assert recording_backend.get_key(file) == "mysite:CACHE/images/0123456789abcdef.png-state"


def test_the_key_has_no_whitespace(recording_storage, recording_backend):
    file = ImageCacheFile(PlainGenerator(), name="CACHE/my dog\t.png", storage=recording_storage)

    assert recording_backend.get_key(file) == "imagekit:CACHE/mydog.png-state"


def test_a_long_key_is_shortened_to_a_memcached_safe_length(recording_storage, recording_backend):
    file = ImageCacheFile(PlainGenerator(), name="CACHE/" + "x" * 300, storage=recording_storage)

    assert len(recording_backend.get_key(file)) == 200


def test_the_key_is_left_alone_when_memcached_safe_keys_are_off(
    settings, recording_storage, recording_backend
):
    settings.IMAGEKIT_USE_MEMCACHED_SAFE_CACHE_KEY = False
    file = ImageCacheFile(PlainGenerator(), name="CACHE/my dog.png", storage=recording_storage)

    assert recording_backend.get_key(file) == "imagekit:CACHE/my dog.png-state"


# --------------------------------------------------------------------------
# The cache property
# --------------------------------------------------------------------------


def test_the_cache_is_not_looked_up_when_the_backend_is_made(monkeypatch):
    lookups = []
    monkeypatch.setattr(backends_module.base, "get_cache", lambda: lookups.append(1))

    Simple()

    assert lookups == []


def test_the_cache_is_looked_up_once_on_first_use(monkeypatch):
    lookups = []

    def get_cache():
        lookups.append(1)
        return caches["default"]

    monkeypatch.setattr(backends_module.base, "get_cache", get_cache)
    backend = Simple()

    _ = backend.cache
    _ = backend.cache

    assert lookups == [1]


def test_the_cache_is_the_imagekit_cache_backend(settings):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "states": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "imagekit-test-backends-states",
        },
    }
    settings.IMAGEKIT_CACHE_BACKEND = "states"

    assert Simple().cache is caches["states"]


def test_a_pickled_backend_leaves_its_cache_behind(recording_cache):
    backend = Simple()
    backend.cache = recording_cache

    assert "_cache" not in backend.__getstate__()


def test_an_unpickled_backend_looks_its_cache_up_again(recording_cache):
    backend = Simple()
    backend.cache = recording_cache

    restored = pickle.loads(pickle.dumps(backend))

    assert restored.cache is caches["default"]


# --------------------------------------------------------------------------
# get_state: request-local state cache, then Django cache, then storage
# --------------------------------------------------------------------------


def test_the_request_local_state_cache_is_asked_before_the_django_cache(
    file, recording_backend, recording_cache
):
    recording_cache.wrapped.set(recording_backend.get_key(file), CacheFileState.GENERATING)

    with use_cachefile_state_cache({recording_backend.get_key(file): CacheFileState.EXISTS}):
        state = recording_backend.get_state(file)

    assert state == CacheFileState.EXISTS
    assert recording_cache.calls == []


def test_the_django_cache_is_asked_before_the_storage(file, recording_backend, recording_cache):
    recording_cache.wrapped.set(recording_backend.get_key(file), CacheFileState.GENERATING)

    assert recording_backend.get_state(file) == CacheFileState.GENERATING
    assert file.storage.calls == []


def test_a_state_read_from_the_django_cache_is_kept_in_the_request_local_cache(
    file, recording_backend, recording_cache
):
    recording_cache.wrapped.set(recording_backend.get_key(file), CacheFileState.GENERATING)

    with use_cachefile_state_cache() as states:
        recording_backend.get_state(file)

    assert states == {recording_backend.get_key(file): CacheFileState.GENERATING}


def test_an_unknown_state_is_checked_in_storage(file, recording_backend):
    recording_backend.get_state(file)

    assert file.storage.calls == [("exists", file.name)]


def test_a_file_found_in_storage_is_remembered_as_existing(
    file, recording_backend, recording_cache
):
    put_in_storage(file)

    assert recording_backend.get_state(file) == CacheFileState.EXISTS
    assert recording_cache.wrapped.get(recording_backend.get_key(file)) == CacheFileState.EXISTS


def test_a_file_missing_from_storage_is_remembered_as_not_existing(
    file, recording_backend, recording_cache
):
    assert recording_backend.get_state(file) == CacheFileState.DOES_NOT_EXIST
    assert (
        recording_cache.wrapped.get(recording_backend.get_key(file))
        == CacheFileState.DOES_NOT_EXIST
    )


def test_a_remembered_state_spares_the_second_storage_check(file, recording_backend):
    recording_backend.get_state(file)
    recording_backend.get_state(file)

    assert file.storage.calls == [("exists", file.name)]


def test_an_unknown_state_is_not_checked_when_check_if_unknown_is_false(file, recording_backend):
    state = recording_backend.get_state(file, check_if_unknown=False)

    assert state is None
    assert file.storage.calls == []


def test_exists_is_true_only_for_the_exists_state(file, recording_backend):
    recording_backend.set_state(file, CacheFileState.GENERATING)

    assert recording_backend.exists(file) is False


# --------------------------------------------------------------------------
# set_state: timeouts
# --------------------------------------------------------------------------


def test_does_not_exist_is_remembered_for_five_seconds(file, recording_backend, recording_cache):
    recording_backend.set_state(file, CacheFileState.DOES_NOT_EXIST)

    assert recording_cache.calls == [
        ("set", (recording_backend.get_key(file), CacheFileState.DOES_NOT_EXIST, 5), {}),
    ]


def test_the_existence_check_timeout_is_five_seconds():
    assert CachedFileBackend.existence_check_timeout == 5


def test_the_exists_state_is_remembered_for_the_cache_timeout_setting(
    settings, file, recording_backend, recording_cache
):
    settings.IMAGEKIT_CACHE_TIMEOUT = 1234

    recording_backend.set_state(file, CacheFileState.EXISTS)

    assert recording_cache.calls == [
        ("set", (recording_backend.get_key(file), CacheFileState.EXISTS, 1234), {})
    ]


def test_the_generating_mark_expires_after_the_generating_timeout(
    settings, file, recording_backend, recording_cache
):
    # A generator that dies must not block its file forever (ImageKit kept
    # the mark for IMAGEKIT_CACHE_TIMEOUT, by default forever).
    settings.IMAGEKIT_CACHE_TIMEOUT = None
    settings.IMAGEKIT_GENERATING_TIMEOUT = 42

    recording_backend.set_state(file, CacheFileState.GENERATING)

    assert recording_cache.calls == [
        ("set", (recording_backend.get_key(file), CacheFileState.GENERATING, 42), {})
    ]


def test_existing_files_are_remembered_forever_by_default(file, recording_backend, recording_cache):
    recording_backend.set_state(file, CacheFileState.EXISTS)

    assert recording_cache.calls == [
        ("set", (recording_backend.get_key(file), CacheFileState.EXISTS, None), {})
    ]


def test_does_not_exist_expires_after_five_seconds_on_the_cache_clock(monkeypatch, file):
    clock = FakeClock()
    monkeypatch.setattr(locmem, "time", clock)
    monkeypatch.setattr(cache_base, "time", clock)
    backend = Simple()
    backend.cache = locmem.LocMemCache("imagekit-test-backends-clock", {})
    backend.set_state(file, CacheFileState.DOES_NOT_EXIST)

    clock.now += 4.9
    before = backend.get_state(file, check_if_unknown=False)
    clock.now += 0.2
    after = backend.get_state(file, check_if_unknown=False)

    assert (before, after) == (CacheFileState.DOES_NOT_EXIST, None)


def test_set_state_writes_through_to_the_request_local_cache(file, recording_backend):
    with use_cachefile_state_cache() as states:
        recording_backend.set_state(file, CacheFileState.EXISTS)

    assert states == {recording_backend.get_key(file): CacheFileState.EXISTS}


# --------------------------------------------------------------------------
# generate_now
# --------------------------------------------------------------------------


def test_generate_now_generates_an_unknown_file(file, recording_backend):
    recording_backend.generate_now(file)

    assert file.generator.runs == 1
    assert file.storage.exists(file.name)


def test_generate_now_skips_a_file_that_exists(file, recording_backend):
    recording_backend.set_state(file, CacheFileState.EXISTS)

    recording_backend.generate_now(file)

    assert file.generator.runs == 0


def test_generate_now_waits_for_a_file_another_process_is_generating(file, recording_backend):
    recording_backend.set_state(file, CacheFileState.GENERATING)
    recording_backend.cache.add(recording_backend.get_lock_key(file), "someone else", 30)
    finisher = threading.Timer(0.05, recording_backend.set_state, (file, CacheFileState.EXISTS))
    finisher.start()

    recording_backend.generate_now(file)

    finisher.join()
    assert file.generator.runs == 0
    assert recording_backend.get_state(file) == CacheFileState.EXISTS


def test_generate_now_takes_over_a_generating_mark_nobody_holds(file, recording_backend):
    # What a crashed generator leaves behind until its mark expires.
    recording_backend.set_state(file, CacheFileState.GENERATING)

    recording_backend.generate_now(file)

    assert file.generator.runs == 1
    assert file.storage.exists(file.name)


@pytest.mark.parametrize("state", [CacheFileState.EXISTS, CacheFileState.GENERATING])
def test_forced_generate_now_generates_whatever_the_state(file, recording_backend, state):
    recording_backend.set_state(file, state)

    recording_backend.generate_now(file, force=True)

    assert file.generator.runs == 1


def test_generate_now_marks_the_file_generating_while_it_is_generated(file, recording_backend):
    seen = []
    generate = file.generator.generate

    def generate_and_look():
        seen.append(recording_backend.get_state(file, check_if_unknown=False))
        return generate()

    file.generator.generate = generate_and_look

    recording_backend.generate_now(file)

    assert seen == [CacheFileState.GENERATING]


def test_generate_now_marks_the_file_existing_afterwards(file, recording_backend):
    recording_backend.generate_now(file)

    assert recording_backend.get_state(file, check_if_unknown=False) == CacheFileState.EXISTS


def test_generate_now_closes_the_file_afterwards(file, recording_backend, monkeypatch):
    closed = []
    close = file.close

    def record_close():
        closed.append(file.name)
        close()

    monkeypatch.setattr(file, "close", record_close)

    recording_backend.generate_now(file)

    assert closed == [file.name]
    assert file.closed


class ExplodingSpec(ImageSpec):
    format = "PNG"

    def __init__(self, source, processor):
        self.processors = [processor]
        super().__init__(source=source)


@pytest.fixture
def failing_file(recording_storage, recording_backend, make_image):
    source = ContentFile(make_image("PNG"), name="photos/broken.png")
    spec = ExplodingSpec(source=source, processor=FailingProcessor())
    return ImageCacheFile(spec, storage=recording_storage, cachefile_backend=recording_backend)


def test_a_failing_generation_is_re_raised(failing_file, recording_backend):
    with pytest.raises(RuntimeError, match="processing failed"):
        recording_backend.generate_now(failing_file)


def test_a_failing_generation_leaves_no_generating_state(failing_file, recording_backend):
    with pytest.raises(RuntimeError):
        recording_backend.generate_now(failing_file)

    assert recording_backend.get_state(failing_file, check_if_unknown=False) is None


def test_a_failing_generation_leaves_no_state_in_the_request_local_cache(
    failing_file, recording_backend
):
    with use_cachefile_state_cache() as states, pytest.raises(RuntimeError):
        recording_backend.generate_now(failing_file)

    assert states.get(recording_backend.get_key(failing_file)) is None


def test_a_failed_generation_is_tried_again_on_the_next_call(failing_file, recording_backend):
    with pytest.raises(RuntimeError):
        recording_backend.generate_now(failing_file)
    with pytest.raises(RuntimeError):
        recording_backend.generate_now(failing_file)

    assert failing_file.generator.processors[0].attempts == 2


# --------------------------------------------------------------------------
# Simple
# --------------------------------------------------------------------------


def test_simple_generates_in_the_calling_process(file, recording_backend):
    recording_backend.generate(file)

    assert file.generator.runs == 1


def test_simple_is_not_async():
    assert getattr(Simple(), "is_async", False) is False


def test_simple_considers_a_loaded_file_existing_without_asking_storage(file, recording_backend):
    file.file = ContentFile(b"loaded")

    assert recording_backend._exists(file) is True
    assert file.storage.calls == []


def test_simple_asks_storage_whether_the_file_exists(file, recording_backend):
    put_in_storage(file)

    assert recording_backend._exists(file) is True
    assert file.storage.calls == [("exists", file.name)]


def test_simple_reports_a_file_missing_from_storage_as_not_existing(file, recording_backend):
    assert recording_backend._exists(file) is False


def test_simple_reports_a_nameless_file_as_not_existing_without_asking_storage(
    recording_storage, recording_backend
):
    nameless = ImageCacheFile(ExplodingSpec(source=None, processor=None), storage=recording_storage)

    assert not recording_backend._exists(nameless)
    assert recording_storage.calls == []


# --------------------------------------------------------------------------
# BaseAsync
# --------------------------------------------------------------------------


@pytest.fixture
def async_backend(recording_cache):
    backend = RecordingAsync()
    backend.cache = recording_cache
    return backend


@pytest.fixture
def async_file(recording_storage, async_backend):
    return ImageCacheFile(
        PlainGenerator(), storage=recording_storage, cachefile_backend=async_backend
    )


def test_base_async_is_async():
    assert BaseAsync.is_async is True


def test_base_async_requires_subclasses_to_schedule_generation(file):
    with pytest.raises(NotImplementedError, match="schedule_generation"):
        BaseAsync().schedule_generation(file)


def test_async_generate_schedules_an_unknown_file(async_file, async_backend):
    async_backend.generate(async_file)

    assert async_backend.scheduled == [(async_file, False)]


def test_async_generate_does_not_generate_in_the_calling_process(async_file, async_backend):
    async_backend.generate(async_file)

    assert async_file.generator.runs == 0


def test_async_generate_does_not_check_storage(async_file, async_backend):
    async_backend.generate(async_file)

    assert async_file.storage.calls == []


def test_async_generate_leaves_the_state_for_the_worker_to_set(async_file, async_backend):
    # The worker's generate_now() skips files marked "generating": marking the
    # file here would make it skip the very file it was asked to make.
    async_backend.generate(async_file)

    assert async_backend.get_state(async_file, check_if_unknown=False) is None


def test_a_worker_generates_a_scheduled_file(async_file, async_backend):
    async_backend.generate(async_file)

    for file, force in async_backend.scheduled:
        async_backend.generate_now(file, force=force)

    assert async_file.storage.exists(async_file.name)


@pytest.mark.parametrize("state", [CacheFileState.EXISTS, CacheFileState.GENERATING])
def test_async_generate_skips_a_file_that_exists_or_is_being_generated(
    async_file, async_backend, state
):
    async_backend.set_state(async_file, state)

    async_backend.generate(async_file)

    assert async_backend.scheduled == []


@pytest.mark.parametrize("state", [CacheFileState.EXISTS, CacheFileState.GENERATING])
def test_forced_async_generate_schedules_whatever_the_state(async_file, async_backend, state):
    async_backend.set_state(async_file, state)

    async_backend.generate(async_file, force=True)

    assert async_backend.scheduled == [(async_file, True)]


def test_a_failed_scheduling_is_re_raised(recording_storage, recording_cache):
    backend = BrokenQueueAsync()
    backend.cache = recording_cache
    file = ImageCacheFile(PlainGenerator(), storage=recording_storage, cachefile_backend=backend)

    with pytest.raises(ConnectionError):
        backend.generate(file)


def test_a_failed_scheduling_leaves_no_generating_state(recording_storage, recording_cache):
    backend = BrokenQueueAsync()
    backend.cache = recording_cache
    file = ImageCacheFile(PlainGenerator(), storage=recording_storage, cachefile_backend=backend)

    with pytest.raises(ConnectionError):
        backend.generate(file)

    assert backend.get_state(file, check_if_unknown=False) is None


class AsyncSpec(ImageSpec):
    format = "PNG"


ASYNC_SPEC_ID = "tests:backends:async"


@pytest.fixture
def just_in_time_async_file(recording_storage, async_backend, make_image, registrations):
    """A registered spec's file, so that JustInTime reacts to its signals."""
    registrations.generator(ASYNC_SPEC_ID, AsyncSpec)
    source = ContentFile(make_image("PNG"), name="photos/queued.png")
    return ImageCacheFile(
        AsyncSpec(source=source), storage=recording_storage, cachefile_backend=async_backend
    )


def test_a_file_with_an_async_backend_is_false_until_generated(just_in_time_async_file):
    assert bool(just_in_time_async_file) is False


def test_testing_a_file_with_an_async_backend_schedules_it(just_in_time_async_file, async_backend):
    bool(just_in_time_async_file)

    assert async_backend.scheduled == [(just_in_time_async_file, False)]


def test_a_file_with_an_async_backend_is_true_once_a_worker_generated_it(
    just_in_time_async_file, async_backend
):
    bool(just_in_time_async_file)

    for file, force in async_backend.scheduled:
        async_backend.generate_now(file, force=force)

    assert bool(just_in_time_async_file) is True


# --------------------------------------------------------------------------
# Task queue backends: missing libraries, the deprecated alias
# --------------------------------------------------------------------------

QUEUE_BACKENDS = [
    pytest.param(Celery, "celery", id="Celery"),
    pytest.param(RQ, "django_rq", id="RQ"),
    pytest.param(Dramatiq, "dramatiq", id="Dramatiq"),
]


@pytest.mark.parametrize(("backend_class", "library"), QUEUE_BACKENDS)
def test_a_queue_backend_without_its_library_is_improperly_configured(
    monkeypatch, backend_class, library
):
    monkeypatch.setitem(sys.modules, library, None)

    with pytest.raises(ImproperlyConfigured, match=library):
        backend_class()


@pytest.mark.parametrize(("backend_class", "library"), QUEUE_BACKENDS)
def test_a_queue_backend_chains_the_import_error_of_its_missing_library(
    monkeypatch, backend_class, library
):
    monkeypatch.setitem(sys.modules, library, None)

    with pytest.raises(ImproperlyConfigured) as excinfo:
        backend_class()

    assert isinstance(excinfo.value.__cause__, ImportError)


@pytest.mark.parametrize(("backend_class", "library"), QUEUE_BACKENDS)
def test_a_queue_backend_can_be_made_when_its_library_is_importable(
    monkeypatch, backend_class, library
):
    monkeypatch.setitem(sys.modules, library, types.ModuleType(library))

    assert backend_class().is_async is True


def test_async_is_a_deprecated_alias_of_celery(monkeypatch):
    monkeypatch.setitem(sys.modules, "celery", types.ModuleType("celery"))

    with pytest.deprecated_call(match="Celery"):
        backend = Async()

    assert isinstance(backend, Celery)


def test_async_warns_before_complaining_that_celery_is_missing(monkeypatch):
    monkeypatch.setitem(sys.modules, "celery", None)

    with pytest.deprecated_call(), pytest.raises(ImproperlyConfigured, match="celery"):
        Async()
