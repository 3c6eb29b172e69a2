"""Many requests for one missing file: one generation, one file, a complete image for all."""

from __future__ import annotations

import json
import multiprocessing
import os
import threading
import time
import traceback
import uuid
import warnings
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.core.files.storage import FileSystemStorage
from PIL import Image

from imagekit import ImageSpec
from imagekit.cachefiles import ImageCacheFile
from imagekit.processors import ResizeToFill
from tests.reliability.helpers import files_under, source_file
from tests.reliability.images import solid

THREADS = 8
PROCESSES = 4


class RunRecorder:
    """A processor that leaves a file in *folder* each time it runs, then dawdles.

    Counting files rather than objects counts runs across processes too; the
    pause widens the window in which a second generation could start.
    """

    def __init__(self, folder: str, pause: float = 0.1):
        self.folder = folder
        self.pause = pause

    def process(self, image):
        Path(self.folder, uuid.uuid4().hex).touch()
        time.sleep(self.pause)
        return image


class LaggyStorage(FileSystemStorage):
    """A local storage whose existence checks take as long as a remote storage's.

    The lag lets every request find the file missing before any of them
    starts generating it: only a real lock then keeps the processors to one run.
    """

    def exists(self, name):
        time.sleep(0.05)
        return super().exists(name)


@pytest.fixture
def laggy_storage(media_root) -> LaggyStorage:
    return LaggyStorage(location=str(media_root), base_url="/media/")


def recording_spec(folder: Path) -> type[ImageSpec]:
    class Recorded(ImageSpec):
        processors = [RunRecorder(str(folder)), ResizeToFill(20, 10)]
        format = "JPEG"

    return Recorded


@dataclass
class Crowd:
    """What a crowd of simultaneous requests for one file saw and left."""

    name: str
    runs: int
    urls: list[str]
    sizes: list[tuple[int, int]]
    errors: list[str]


def request(storage, spec_class, source_name, barrier) -> tuple[str, tuple[int, int]]:
    """Do what a request does: ask for the file's URL, then read the image there."""
    file = ImageCacheFile(spec_class(source=source_file(storage, source_name)), storage=storage)
    barrier.wait(timeout=30)
    url = file.url
    with storage.open(file.name) as stored, Image.open(stored) as image:
        image.load()  # fails on a partial file
        return url, image.size


# --- threads -----------------------------------------------------------------------


@pytest.fixture
def thread_crowd(registered, stored_source, laggy_storage, tmp_path) -> Crowd:
    runs = tmp_path / "runs"
    runs.mkdir()
    spec_class = recording_spec(runs)
    registered(spec_class)
    stored_source("photos/dog.jpg", solid("JPEG"))
    barrier = threading.Barrier(THREADS)
    results, errors = [], []

    def visit():
        try:
            results.append(request(laggy_storage, spec_class, "photos/dog.jpg", barrier))
        except Exception:  # noqa: BLE001 - reported by the test, with its traceback
            errors.append(traceback.format_exc())

    threads = [threading.Thread(target=visit) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    name = ImageCacheFile(spec_class(source=source_file(laggy_storage, "photos/dog.jpg"))).name
    return Crowd(
        name=name,
        runs=len(os.listdir(runs)),
        urls=[url for url, _size in results],
        sizes=[size for _url, size in results],
        errors=errors,
    )


def test_threads_asking_for_one_missing_file_run_the_processors_once(thread_crowd):
    assert thread_crowd.runs == 1


def test_threads_asking_for_one_missing_file_leave_exactly_that_file(
    thread_crowd, cache_root, media_root
):
    expected = Path(media_root, thread_crowd.name).relative_to(cache_root)

    assert files_under(cache_root) == [str(expected)]


def test_threads_asking_for_one_missing_file_all_get_its_url(thread_crowd, media_storage):
    assert thread_crowd.urls == [media_storage.url(thread_crowd.name)] * THREADS


def test_threads_asking_for_one_missing_file_can_all_read_a_complete_image(thread_crowd):
    assert thread_crowd.errors == []
    assert thread_crowd.sizes == [(20, 10)] * THREADS


# --- processes sharing Redis --------------------------------------------------------


def _process_visit(storage, spec_class, source_name, barrier, report: str) -> None:
    try:
        url, size = request(storage, spec_class, source_name, barrier)
        outcome = {"url": url, "size": list(size)}
    except Exception:  # noqa: BLE001 - reported by the test, with its traceback
        outcome = {"error": traceback.format_exc()}
    Path(report).write_text(json.dumps(outcome))


@pytest.fixture
def process_crowd(redis_cache, registered, stored_source, laggy_storage, tmp_path) -> Crowd:
    runs, reports = tmp_path / "runs", tmp_path / "reports"
    runs.mkdir()
    reports.mkdir()
    spec_class = recording_spec(runs)
    registered(spec_class)
    stored_source("photos/dog.jpg", solid("JPEG"))
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(PROCESSES)
    processes = [
        context.Process(
            target=_process_visit,
            args=(laggy_storage, spec_class, "photos/dog.jpg", barrier, str(reports / str(i))),
        )
        for i in range(PROCESSES)
    ]
    with warnings.catch_warnings():
        # Python 3.12+ warns that forking a multi-threaded process may deadlock;
        # the children here only use the cache, the storage and Pillow.
        warnings.filterwarnings(
            "ignore", r".*use of fork\(\) may lead to deadlocks", DeprecationWarning
        )
        for process in processes:
            process.start()
    for process in processes:
        process.join(timeout=60)
        if process.exitcode is None:
            process.kill()
            process.join()
    outcomes = [json.loads(path.read_text()) for path in sorted(reports.iterdir())]
    name = ImageCacheFile(spec_class(source=source_file(laggy_storage, "photos/dog.jpg"))).name
    return Crowd(
        name=name,
        runs=len(os.listdir(runs)),
        urls=[o["url"] for o in outcomes if "url" in o],
        sizes=[tuple(o["size"]) for o in outcomes if "size" in o],
        errors=[o["error"] for o in outcomes if "error" in o]
        + [f"a process exited with {p.exitcode}" for p in processes if p.exitcode],
    )


def test_processes_sharing_redis_run_the_processors_once(process_crowd):
    assert process_crowd.runs == 1


def test_processes_sharing_redis_leave_exactly_one_file(process_crowd, cache_root, media_root):
    expected = Path(media_root, process_crowd.name).relative_to(cache_root)

    assert files_under(cache_root) == [str(expected)]


def test_processes_sharing_redis_all_get_the_files_url(process_crowd, media_storage):
    assert process_crowd.urls == [media_storage.url(process_crowd.name)] * PROCESSES


def test_processes_sharing_redis_can_all_read_a_complete_image(process_crowd):
    assert process_crowd.errors == []
    assert process_crowd.sizes == [(20, 10)] * PROCESSES
