#!/usr/bin/env python3
"""Pre-generate a catalogue through a task queue, against doing it in-process.

Usage (with the ``scale`` extra installed, as ``python3 scripts/test.py`` does)::

    .venv/bin/python benchmarks/enqueue.py [--sources 200] [--size 1280x960]
                                           [--workers 2] [--queue rq|celery]

It builds a throw-away project from ``apps/enqueue`` (``benchsite``: settings
and a Celery app; ``benchapp``: the ``Upload`` model; a SQLite file, media
folder and a redis-server on a unix socket, all in a temporary folder), saves
``--sources`` photo-like JPEGs of ``--size`` as ``Upload`` rows, and times
``generateimages benchapp:upload:thumbnail`` (and ``benchapp:upload:large``)
three ways, starting each time from no cache files and an empty state cache:

* in-process, one process (the ``Simple`` backend);
* in-process with ``--jobs`` set to the number of workers;
* ``--enqueue`` to ``--workers`` real worker processes (RQ or Celery): the
  time for the command to return, and until every file exists.

Each run starts as a user resetting thumbnails would (``CACHE/`` deleted, the
Django cache cleared) and must end with every cache file written anew, or the
script stops with an error: a run that generated nothing would time a no-op.

Everything listens on a unix socket and is stopped at the end.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import sys
import tempfile
import time
from io import BytesIO, StringIO
from pathlib import Path

import _fresh  # benchmarks/, this script's folder
from _fresh import require_fresh_files

REPO_ROOT = Path(__file__).resolve().parent.parent
PROJECT = REPO_ROOT / "benchmarks" / "apps" / "enqueue"
sys.path[:0] = [str(REPO_ROOT), str(REPO_ROOT / "benchmarks"), str(PROJECT)]

BACKENDS = {
    "rq": "imagekit.cachefiles.backends.RQ",
    "celery": "imagekit.cachefiles.backends.Celery",
}
SPECS = {
    "thumbnail": "benchapp:upload:thumbnail",  # 40x30: decoding dominates, at reduced scale
    "large": "benchapp:upload:large",  # fit in 960x720: a full decode, resize and encode
}


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sources", type=int, default=200)
    parser.add_argument("--size", default="1280x960", help="WIDTHxHEIGHT of each source")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--queue", choices=sorted(BACKENDS), default="rq")
    parser.add_argument(
        "--spec", choices=sorted(SPECS), action="append", help="default: both, one after the other"
    )
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    # Stopped from outside (timeout, CI): still stop the servers and workers.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    width, height = (int(n) for n in args.size.lower().split("x"))
    run_dir = tempfile.mkdtemp(prefix="ik-bench-", dir="/tmp")
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "benchsite.settings",
            "IMAGEKIT_BENCH_RUN_DIR": run_dir,
            "IMAGEKIT_BENCH_BACKEND": BACKENDS[args.queue],
        }
    )
    import django

    django.setup()
    from django.conf import settings

    from tests.support.servers import start_redis

    redis = start_redis(Path(run_dir), settings.REDIS_SOCKET)
    workers = []
    try:
        setup_database()
        print(f"Making {args.sources} sources of {width}x{height}...", flush=True)
        make_sources(args.sources, width, height)
        spec_ids = [SPECS[spec] for spec in args.spec or sorted(SPECS, reverse=True)]
        results = {}
        # In-process runs first: --jobs forks this process, which must not
        # hold a broker connection (Celery's) at that moment.
        for spec_id in spec_ids:
            print(f"{spec_id}:", flush=True)
            results[spec_id] = {
                "in-process, 1 process": run_in_process(spec_id, 1, args.sources),
                f"in-process, --jobs {args.workers}": run_in_process(
                    spec_id, args.workers, args.sources
                ),
            }
        workers = start_workers(args.queue, args.workers, run_dir)
        for spec_id in spec_ids:
            print(f"{spec_id}:", flush=True)
            returned, finished = run_enqueued(spec_id, args.queue, args.sources)
            label = f"--enqueue, {args.workers} {args.queue} workers"
            results[spec_id][f"{label} (command returned)"] = returned
            results[spec_id][f"{label} (all files made)"] = finished
    finally:
        for process in workers:
            process.stop()
        redis.stop()
        shutil.rmtree(run_dir, ignore_errors=True)
    print(f"\n{args.sources} sources of {width}x{height}, {os.cpu_count()} CPUs")
    for spec_id, timings in results.items():
        print(spec_id)
        for label, seconds in timings.items():
            print(f"  {label:<50} {seconds:7.2f} s  ({args.sources / seconds:6.1f} files/s)")
    return 0


def setup_database() -> None:
    from django.core.management import call_command

    call_command("migrate", run_syncdb=True, verbosity=0)


def make_sources(count: int, width: int, height: int) -> None:
    from _images import photo_texture
    from benchapp.models import Upload
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    names = []
    for n in range(count):
        buffer = BytesIO()
        photo_texture(width, height, seed=n).save(buffer, "JPEG", quality=90)
        names.append(
            default_storage.save(f"uploads/bench-{n:04d}.jpg", ContentFile(buffer.getvalue()))
        )
    # bulk_create sends no signals: no file is queued or made yet.
    Upload.objects.bulk_create(Upload(image=name) for name in names)


def reset_cache_files() -> None:
    """Forget every cache file: delete them and empty the state cache."""
    from django.conf import settings

    _fresh.reset_cache_files(Path(settings.MEDIA_ROOT))


def use_backend(path: str) -> None:
    from django.test.utils import override_settings

    override_settings(IMAGEKIT_DEFAULT_CACHEFILE_BACKEND=path).enable()


def check_generated(count: int, started_ns: int, label: str) -> None:
    """Exit with an error unless *count* cache files were written since *started_ns*."""
    from django.conf import settings

    require_fresh_files(Path(settings.MEDIA_ROOT) / "CACHE", count, started_ns, label)


def run_in_process(spec_id: str, jobs: int, count: int) -> float:
    from django.core.management import call_command

    reset_cache_files()
    use_backend("imagekit.cachefiles.backends.Simple")
    out = StringIO()
    started_ns = time.time_ns()
    start = time.perf_counter()
    call_command("generateimages", spec_id, "--jobs", str(jobs), stdout=out, verbosity=0)
    elapsed = time.perf_counter() - start
    check_generated(count, started_ns, f"{spec_id} in-process --jobs {jobs}")
    print(f"  in-process --jobs {jobs}: {out.getvalue().strip()} in {elapsed:.2f} s", flush=True)
    return elapsed


def start_workers(queue: str, count: int, run_dir: str) -> list:
    from tests.support.servers import Process, wait_for, worker_command

    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO_ROOT), str(PROJECT)])}
    workers = [
        Process(
            f"bench-{queue}-{n}",
            worker_command(queue, "imagekit", f"bench-{n}", celery_app="benchsite"),
            Path(run_dir) / "logs",
            env,
        )
        for n in range(count)
    ]
    if queue == "rq":
        import django_rq
        from rq import Worker

        rq_queue = django_rq.get_queue("imagekit")
        wait_for(lambda: len(Worker.all(queue=rq_queue)) == count, 60, "the workers", logs=workers)
    else:
        from benchsite import celery_app

        def all_answer() -> bool:
            replies = celery_app.control.ping(timeout=0.5) or []
            return len(replies) >= count

        wait_for(all_answer, 60, "the workers", logs=workers)
    return workers


def run_enqueued(spec_id: str, queue: str, count: int) -> tuple[float, float]:
    from benchapp.models import Upload
    from django.core.cache import caches
    from django.core.management import call_command

    from imagekit.cachefiles.backends import CacheFileState
    from tests.support.servers import wait_for

    reset_cache_files()
    use_backend(BACKENDS[queue])
    attname = spec_id.rsplit(":", 1)[1]
    files = [getattr(upload, attname) for upload in Upload.objects.all()]
    keys = [file.cachefile_backend.get_key(file) for file in files]
    cache = caches["default"]
    out = StringIO()
    started_ns = time.time_ns()
    start = time.perf_counter()
    call_command("generateimages", spec_id, "--enqueue", stdout=out, verbosity=0)
    returned = time.perf_counter() - start
    # Fail now rather than wait for files nobody was asked to make.
    summary = out.getvalue().strip()
    queued = re.search(r"(\d+) queued", summary)
    if queued is None or int(queued.group(1)) != count:
        sys.exit(
            f"error: {spec_id} --enqueue ({summary!r}) did not queue all {count} files "
            "after CACHE/ was deleted and the cache cleared"
        )

    def all_made() -> bool:
        states = cache.get_many(keys)
        return sum(state == CacheFileState.EXISTS for state in states.values()) == count

    wait_for(all_made, 600, "the workers to make every file", interval=0.02)
    finished = time.perf_counter() - start
    check_generated(count, started_ns, f"{spec_id} --enqueue to {queue} workers")
    print(f"  --enqueue: {out.getvalue().strip()}; returned in {returned:.2f} s", flush=True)
    return returned, finished


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
