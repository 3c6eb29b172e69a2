"""The request-local state cache and batched state lookups (imagekit 6.x).

Its point is fewer cache round trips, so the tests count them.
"""

from __future__ import annotations

import contextvars
import threading

import pytest
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache

from imagekit.cachefiles import ImageCacheFile
from imagekit.cachefiles.backends import CacheFileState, Simple
from imagekit.cachefiles.state import (
    get_active_state_cache,
    prefetch_cachefile_states,
    use_cachefile_state_cache,
)
from tests.support.doubles import PlainGenerator, RecordingCache, RecordingStorage

# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------


class UncachedBackend:
    """A backend that is not a CachedFileBackend."""

    def generate(self, file, force=False):
        pass

    def exists(self, file):
        return True


@pytest.fixture
def cache():
    return RecordingCache(caches["default"])


@pytest.fixture
def backend(cache):
    backend = Simple()
    backend.cache = cache
    return backend


@pytest.fixture
def storage(tmp_path):
    # Every exists() counts, even one the storage asks itself.
    return RecordingStorage(tmp_path / "counted", record_nested=True)


def make_files(count, backend, storage):
    return [
        ImageCacheFile(PlainGenerator(f"hash{i}"), storage=storage, cachefile_backend=backend)
        for i in range(count)
    ]


# --------------------------------------------------------------------------
# use_cachefile_state_cache / get_active_state_cache
# --------------------------------------------------------------------------


def test_no_state_cache_is_active_by_default():
    assert get_active_state_cache() is None


def test_use_cachefile_state_cache_activates_a_new_empty_dict():
    with use_cachefile_state_cache() as states:
        assert states == {}
        assert get_active_state_cache() is states


def test_use_cachefile_state_cache_activates_the_mapping_it_is_given():
    given = {"key": "value"}

    with use_cachefile_state_cache(given) as states:
        assert states is given
        assert get_active_state_cache() is given


def test_use_cachefile_state_cache_deactivates_on_exit():
    with use_cachefile_state_cache():
        pass

    assert get_active_state_cache() is None


def test_use_cachefile_state_cache_deactivates_when_the_block_raises():
    with pytest.raises(KeyError), use_cachefile_state_cache():
        raise KeyError("boom")

    assert get_active_state_cache() is None


def test_a_nested_state_cache_is_active_inside_its_block():
    with use_cachefile_state_cache(), use_cachefile_state_cache() as inner:
        assert get_active_state_cache() is inner


def test_leaving_a_nested_state_cache_restores_the_outer_one():
    with use_cachefile_state_cache() as outer:
        with use_cachefile_state_cache():
            pass
        assert get_active_state_cache() is outer


def test_another_thread_does_not_see_the_active_state_cache():
    seen = []

    with use_cachefile_state_cache():
        thread = threading.Thread(target=lambda: seen.append(get_active_state_cache()))
        thread.start()
        thread.join()

    assert seen == [None]


def test_a_state_cache_activated_in_another_thread_stays_there():
    activated = threading.Event()
    finish = threading.Event()

    def activate_and_wait():
        with use_cachefile_state_cache():
            activated.set()
            finish.wait(timeout=5)

    thread = threading.Thread(target=activate_and_wait)
    thread.start()
    activated.wait(timeout=5)
    try:
        assert get_active_state_cache() is None
    finally:
        finish.set()
        thread.join()


def test_a_state_cache_activated_in_a_copied_context_stays_there():
    context = contextvars.copy_context()

    def activate():
        with use_cachefile_state_cache() as states:
            return get_active_state_cache() is states

    assert context.run(activate)
    assert get_active_state_cache() is None


# --------------------------------------------------------------------------
# prefetch_cachefile_states
# --------------------------------------------------------------------------


def test_prefetch_fetches_many_files_with_one_get_many(backend, cache, storage):
    files = make_files(5, backend, storage)

    with use_cachefile_state_cache():
        prefetch_cachefile_states(files)

    assert cache.methods_called() == ["get_many"]


def test_prefetch_asks_for_the_key_of_every_file(backend, cache, storage):
    files = make_files(3, backend, storage)

    with use_cachefile_state_cache():
        prefetch_cachefile_states(files)

    [(_name, (keys,), _kwargs)] = cache.calls
    assert set(keys) == {backend.get_key(file) for file in files}


def test_prefetch_stores_the_states_the_cache_knows(backend, cache, storage):
    files = make_files(2, backend, storage)
    cache.wrapped.set(backend.get_key(files[0]), CacheFileState.EXISTS)

    with use_cachefile_state_cache() as states:
        prefetch_cachefile_states(files)

    assert states[backend.get_key(files[0])] == CacheFileState.EXISTS


def test_prefetch_stores_none_for_states_the_cache_does_not_know(backend, cache, storage):
    files = make_files(2, backend, storage)
    cache.wrapped.set(backend.get_key(files[0]), CacheFileState.EXISTS)

    with use_cachefile_state_cache() as states:
        prefetch_cachefile_states(files)

    assert backend.get_key(files[1]) in states
    assert states[backend.get_key(files[1])] is None


def test_prefetch_does_nothing_without_an_active_state_cache(backend, cache, storage):
    prefetch_cachefile_states(make_files(3, backend, storage))

    assert cache.calls == []


def test_prefetch_fills_the_state_cache_it_is_given_without_one_being_active(
    backend, cache, storage
):
    files = make_files(1, backend, storage)
    states = {}

    prefetch_cachefile_states(files, state_cache=states)

    assert states == {backend.get_key(files[0]): None}
    assert get_active_state_cache() is None


def test_prefetch_does_one_get_many_per_cache(storage):
    first_cache = RecordingCache(LocMemCache("imagekit-test-state-first", {}))
    second_cache = RecordingCache(LocMemCache("imagekit-test-state-second", {}))
    first_backend, second_backend = Simple(), Simple()
    first_backend.cache, second_backend.cache = first_cache, second_cache
    files = make_files(3, first_backend, storage) + make_files(2, second_backend, storage)

    with use_cachefile_state_cache():
        prefetch_cachefile_states(files)

    assert (first_cache.methods_called(), second_cache.methods_called()) == (
        ["get_many"],
        ["get_many"],
    )


def test_prefetch_groups_backends_that_share_a_cache(cache, storage):
    first_backend, second_backend = Simple(), Simple()
    first_backend.cache = second_backend.cache = cache
    files = make_files(2, first_backend, storage) + make_files(2, second_backend, storage)

    with use_cachefile_state_cache():
        prefetch_cachefile_states(files)

    assert cache.methods_called() == ["get_many"]


def test_the_cache_argument_replaces_each_backends_cache(backend, cache, storage):
    other = RecordingCache(LocMemCache("imagekit-test-state-override", {}))

    with use_cachefile_state_cache():
        prefetch_cachefile_states(make_files(3, backend, storage), cache=other)

    assert (cache.calls, other.methods_called()) == ([], ["get_many"])


def test_prefetch_skips_files_whose_backend_does_not_cache_states(cache, storage):
    file = ImageCacheFile(
        PlainGenerator("uncached"), storage=storage, cachefile_backend=UncachedBackend()
    )

    with use_cachefile_state_cache() as states:
        prefetch_cachefile_states([file], cache=cache)

    assert (states, cache.calls) == ({}, [])


# --------------------------------------------------------------------------
# Prefetched states spare later round trips
# --------------------------------------------------------------------------


def test_a_prefetched_file_is_checked_without_another_cache_round_trip(backend, cache, storage):
    [file] = make_files(1, backend, storage)
    cache.wrapped.set(backend.get_key(file), CacheFileState.EXISTS)

    with use_cachefile_state_cache():
        prefetch_cachefile_states([file])
        cache.calls.clear()
        assert backend.exists(file) is True

    assert cache.calls == []


def test_a_prefetched_file_is_checked_without_asking_the_storage(backend, cache, storage):
    [file] = make_files(1, backend, storage)
    cache.wrapped.set(backend.get_key(file), CacheFileState.EXISTS)

    with use_cachefile_state_cache():
        prefetch_cachefile_states([file])
        backend.exists(file)

    assert storage.methods_called().count("exists") == 0


def test_testing_a_prefetched_file_makes_no_cache_round_trip(backend, cache, storage):
    file = ImageCacheFile(
        PlainGenerator("verified"),
        storage=storage,
        cachefile_backend=backend,
        cachefile_strategy={"should_verify_existence": lambda file: True},
    )
    cache.wrapped.set(backend.get_key(file), CacheFileState.EXISTS)

    with use_cachefile_state_cache():
        prefetch_cachefile_states([file])
        cache.calls.clear()
        assert bool(file) is True

    assert cache.calls == []


def test_asking_twice_inside_a_state_cache_makes_one_cache_round_trip(backend, cache, storage):
    [file] = make_files(1, backend, storage)
    cache.wrapped.set(backend.get_key(file), CacheFileState.EXISTS)

    with use_cachefile_state_cache():
        backend.exists(file)
        backend.exists(file)

    assert cache.methods_called() == ["get"]


def test_outside_a_request_a_file_known_to_exist_is_asked_every_time(backend, cache, storage):
    [file] = make_files(1, backend, storage)
    cache.wrapped.set(backend.get_key(file), CacheFileState.EXISTS)

    backend.exists(file)
    backend.exists(file)

    assert cache.methods_called() == ["get", "get"]


def test_inside_requests_a_file_known_to_exist_costs_one_round_trip_per_request(
    backend, cache, storage, in_request
):
    files = make_files(3, backend, storage)
    for file in files:
        cache.wrapped.set(backend.get_key(file), CacheFileState.EXISTS)
    with in_request():
        for file in files:
            backend.exists(file)
    cache.calls.clear()

    with in_request():
        for file in files:
            backend.exists(file)
    with in_request():
        for file in files:
            backend.exists(file)

    # The epoch, fetched with the first state each request asks for.
    assert cache.methods_called() == ["get_many", "get_many"]


def test_inside_a_request_other_states_are_asked_every_time(backend, cache, storage, in_request):
    [file] = make_files(1, backend, storage)
    cache.wrapped.set(backend.get_key(file), CacheFileState.GENERATING)

    with in_request():
        backend.exists(file)
        backend.exists(file)

    assert cache.methods_called() == ["get_many", "add", "get_many"]


def test_without_the_process_memory_every_question_is_a_cache_round_trip(
    backend, cache, storage, settings, in_request
):
    settings.IMAGEKIT_LOCAL_STATE_SIZE = 0
    [file] = make_files(1, backend, storage)
    cache.wrapped.set(backend.get_key(file), CacheFileState.EXISTS)

    with in_request():
        backend.exists(file)
        backend.exists(file)

    assert cache.methods_called() == ["get_many", "add", "get_many"]


def test_a_prefetched_miss_is_checked_in_storage_not_in_the_cache_again(backend, cache, storage):
    [file] = make_files(1, backend, storage)

    with use_cachefile_state_cache():
        prefetch_cachefile_states([file])
        cache.calls.clear()
        backend.exists(file)

    assert storage.methods_called().count("exists") == 1
    assert "get" not in cache.methods_called()
