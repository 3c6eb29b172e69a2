"""The request-local state cache and batched state lookups (imagekit 6.x).

Its point is fewer cache round trips, so the tests count them.
"""

from __future__ import annotations

import contextvars
import threading

import pytest
from django.core.cache.backends.locmem import LocMemCache

from imagekit.cachefiles import ImageCacheFile
from imagekit.cachefiles.backends import CacheFileState, Simple
from imagekit.cachefiles.state import (
    get_active_state_cache,
    prefetch_cachefile_states,
    use_cachefile_state_cache,
)
from tests.support.doubles import PlainGenerator, RecordingCache

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
def recording_storage(recording_storage):
    """conftest's recording storage, recording nested calls too: every exists() counts."""
    recording_storage.record_nested = True
    return recording_storage


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

    with use_cachefile_state_cache() as states:
        thread = threading.Thread(target=lambda: seen.append(get_active_state_cache()))
        thread.start()
        thread.join()
        seen_here = get_active_state_cache()

    # Active here all along (so "None" there is not just "never active").
    assert (seen_here, seen) == (states, [None])


def test_a_state_cache_activated_in_another_thread_stays_there():
    activated = threading.Event()
    finish = threading.Event()
    active_there = []

    def activate_and_wait():
        with use_cachefile_state_cache() as states:
            active_there.append(get_active_state_cache() is states)
            activated.set()
            finish.wait(timeout=5)

    thread = threading.Thread(target=activate_and_wait)
    thread.start()
    try:
        # The thread really holds an active state cache while this one looks.
        assert activated.wait(timeout=5), "the thread never activated its state cache"
        assert active_there == [True]
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


def test_prefetch_fetches_many_files_with_one_get_many(
    recording_backend, recording_cache, recording_storage
):
    files = make_files(5, recording_backend, recording_storage)

    with use_cachefile_state_cache():
        prefetch_cachefile_states(files)

    assert recording_cache.methods_called() == ["get_many"]


def test_prefetch_asks_for_the_key_of_every_file(
    recording_backend, recording_cache, recording_storage
):
    files = make_files(3, recording_backend, recording_storage)

    with use_cachefile_state_cache():
        prefetch_cachefile_states(files)

    [(_name, (keys,), _kwargs)] = recording_cache.calls
    assert set(keys) == {recording_backend.get_key(file) for file in files}


def test_prefetch_stores_the_states_the_cache_knows(
    recording_backend, recording_cache, recording_storage
):
    files = make_files(2, recording_backend, recording_storage)
    recording_cache.wrapped.set(recording_backend.get_key(files[0]), CacheFileState.EXISTS)

    with use_cachefile_state_cache() as states:
        prefetch_cachefile_states(files)

    assert states[recording_backend.get_key(files[0])] == CacheFileState.EXISTS


def test_prefetch_stores_none_for_states_the_cache_does_not_know(
    recording_backend, recording_cache, recording_storage
):
    files = make_files(2, recording_backend, recording_storage)
    recording_cache.wrapped.set(recording_backend.get_key(files[0]), CacheFileState.EXISTS)

    with use_cachefile_state_cache() as states:
        prefetch_cachefile_states(files)

    assert recording_backend.get_key(files[1]) in states
    assert states[recording_backend.get_key(files[1])] is None


def test_prefetch_does_nothing_without_an_active_state_cache(
    recording_backend, recording_cache, recording_storage
):
    prefetch_cachefile_states(make_files(3, recording_backend, recording_storage))

    assert recording_cache.calls == []


def test_prefetch_fills_the_state_cache_it_is_given_without_one_being_active(
    recording_backend, recording_cache, recording_storage
):
    files = make_files(1, recording_backend, recording_storage)
    states = {}

    prefetch_cachefile_states(files, state_cache=states)

    assert states == {recording_backend.get_key(files[0]): None}
    assert get_active_state_cache() is None


def test_prefetch_does_one_get_many_per_cache(recording_storage):
    first_cache = RecordingCache(LocMemCache("imagekit-test-state-first", {}))
    second_cache = RecordingCache(LocMemCache("imagekit-test-state-second", {}))
    first_backend, second_backend = Simple(), Simple()
    first_backend.cache, second_backend.cache = first_cache, second_cache
    files = make_files(3, first_backend, recording_storage) + make_files(
        2, second_backend, recording_storage
    )

    with use_cachefile_state_cache():
        prefetch_cachefile_states(files)

    assert (first_cache.methods_called(), second_cache.methods_called()) == (
        ["get_many"],
        ["get_many"],
    )


def test_prefetch_groups_backends_that_share_a_cache(recording_cache, recording_storage):
    first_backend, second_backend = Simple(), Simple()
    first_backend.cache = second_backend.cache = recording_cache
    files = make_files(2, first_backend, recording_storage) + make_files(
        2, second_backend, recording_storage
    )

    with use_cachefile_state_cache():
        prefetch_cachefile_states(files)

    assert recording_cache.methods_called() == ["get_many"]


def test_the_cache_argument_replaces_each_backends_cache(
    recording_backend, recording_cache, recording_storage
):
    other = RecordingCache(LocMemCache("imagekit-test-state-override", {}))

    with use_cachefile_state_cache():
        prefetch_cachefile_states(make_files(3, recording_backend, recording_storage), cache=other)

    assert (recording_cache.calls, other.methods_called()) == ([], ["get_many"])


def test_prefetch_skips_files_whose_backend_does_not_cache_states(
    recording_cache, recording_storage
):
    file = ImageCacheFile(
        PlainGenerator("uncached"), storage=recording_storage, cachefile_backend=UncachedBackend()
    )

    with use_cachefile_state_cache() as states:
        prefetch_cachefile_states([file], cache=recording_cache)

    assert (states, recording_cache.calls) == ({}, [])


# --------------------------------------------------------------------------
# Prefetched states spare later round trips
# --------------------------------------------------------------------------


def test_a_prefetched_file_is_checked_without_another_cache_round_trip(
    recording_backend, recording_cache, recording_storage
):
    [file] = make_files(1, recording_backend, recording_storage)
    recording_cache.wrapped.set(recording_backend.get_key(file), CacheFileState.EXISTS)

    with use_cachefile_state_cache():
        prefetch_cachefile_states([file])
        recording_cache.calls.clear()
        assert recording_backend.exists(file) is True

    assert recording_cache.calls == []


def test_a_prefetched_file_is_checked_without_asking_the_storage(
    recording_backend, recording_cache, recording_storage
):
    [file] = make_files(1, recording_backend, recording_storage)
    recording_cache.wrapped.set(recording_backend.get_key(file), CacheFileState.EXISTS)

    with use_cachefile_state_cache():
        prefetch_cachefile_states([file])
        recording_backend.exists(file)

    assert recording_storage.methods_called().count("exists") == 0


def test_testing_a_prefetched_file_makes_no_cache_round_trip(
    recording_backend, recording_cache, recording_storage
):
    file = ImageCacheFile(
        PlainGenerator("verified"),
        storage=recording_storage,
        cachefile_backend=recording_backend,
        cachefile_strategy={"should_verify_existence": lambda file: True},
    )
    recording_cache.wrapped.set(recording_backend.get_key(file), CacheFileState.EXISTS)

    with use_cachefile_state_cache():
        prefetch_cachefile_states([file])
        recording_cache.calls.clear()
        assert bool(file) is True

    assert recording_cache.calls == []


def test_asking_twice_inside_a_state_cache_makes_one_cache_round_trip(
    recording_backend, recording_cache, recording_storage
):
    [file] = make_files(1, recording_backend, recording_storage)
    recording_cache.wrapped.set(recording_backend.get_key(file), CacheFileState.EXISTS)

    with use_cachefile_state_cache():
        recording_backend.exists(file)
        recording_backend.exists(file)

    assert recording_cache.methods_called() == ["get"]


def test_outside_a_request_a_file_known_to_exist_is_asked_every_time(
    recording_backend, recording_cache, recording_storage
):
    [file] = make_files(1, recording_backend, recording_storage)
    recording_cache.wrapped.set(recording_backend.get_key(file), CacheFileState.EXISTS)

    recording_backend.exists(file)
    recording_backend.exists(file)

    assert recording_cache.methods_called() == ["get", "get"]


def test_inside_requests_a_file_known_to_exist_costs_one_round_trip_per_request(
    recording_backend, recording_cache, recording_storage, in_request
):
    files = make_files(3, recording_backend, recording_storage)
    for file in files:
        recording_cache.wrapped.set(recording_backend.get_key(file), CacheFileState.EXISTS)
    with in_request():
        for file in files:
            recording_backend.exists(file)
    recording_cache.calls.clear()

    with in_request():
        for file in files:
            recording_backend.exists(file)
    with in_request():
        for file in files:
            recording_backend.exists(file)

    # The epoch, fetched with the first state each request asks for.
    assert recording_cache.methods_called() == ["get_many", "get_many"]


def test_inside_a_request_other_states_are_asked_every_time(
    recording_backend, recording_cache, recording_storage, in_request
):
    [file] = make_files(1, recording_backend, recording_storage)
    recording_cache.wrapped.set(recording_backend.get_key(file), CacheFileState.GENERATING)

    with in_request():
        recording_backend.exists(file)
        recording_backend.exists(file)

    assert recording_cache.methods_called() == ["get_many", "add", "get_many"]


def test_without_the_process_memory_every_question_is_a_cache_round_trip(
    recording_backend, recording_cache, recording_storage, settings, in_request
):
    settings.IMAGEKIT_LOCAL_STATE_SIZE = 0
    [file] = make_files(1, recording_backend, recording_storage)
    recording_cache.wrapped.set(recording_backend.get_key(file), CacheFileState.EXISTS)

    with in_request():
        recording_backend.exists(file)
        recording_backend.exists(file)

    assert recording_cache.methods_called() == ["get_many", "add", "get_many"]


def test_a_prefetched_miss_is_checked_in_storage_not_in_the_cache_again(
    recording_backend, recording_cache, recording_storage
):
    [file] = make_files(1, recording_backend, recording_storage)

    with use_cachefile_state_cache():
        prefetch_cachefile_states([file])
        recording_cache.calls.clear()
        recording_backend.exists(file)

    assert recording_storage.methods_called().count("exists") == 1
    assert "get" not in recording_cache.methods_called()
