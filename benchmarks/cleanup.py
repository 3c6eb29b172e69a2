"""Time ``cleanupimages`` removing 10,000 cache files, on a local disk and on S3 (moto).

For each storage a throwaway Django project is built in a temporary folder
(SQLite file database, states in a real ``redis-server`` on a unix socket,
one model with an ``ImageSpecField``), with *count* small JPEG sources. The
thumbnails are made by ``generateimages --jobs 2`` (so each has its origin
record, as on a site), then every instance is deleted (Django leaves the
source files), which makes every thumbnail an orphan. Then, timed:

* ``cleanupimages --dry-run`` (list, judge, print; nothing removed);
* ``cleanupimages --jobs N`` (the same, then lock, delete, forget each file).

After the real run the script checks that the cache folder is empty and the
sources are all still there, or stops with an error. The S3 run uses
django-storages against ``moto_server`` on loopback (started by
``tests/support/servers.py``, as for the scale-out tests). Figures are
printed side by side, with files/second.

Run from the repository root (the ``scale`` extra installs moto, boto3 and
django-storages)::

    python benchmarks/cleanup.py [--count 10000] [--jobs 4] [--storage local s3]

This is a script, not a test: nothing here runs under pytest.
"""

from __future__ import annotations

import argparse
import io
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import _apps  # benchmarks/, this script's folder
from _project import settings_for

REPO_ROOT = Path(__file__).resolve().parent.parent
BUCKET = "ik-bench"


# --- servers (parent process) ------------------------------------------------------


def start_servers(base: Path, s3: bool):
    """Start redis-server (and moto's S3 server if *s3*) as the scale-out tests do."""
    sys.path.insert(0, str(REPO_ROOT))
    from tests.support.servers import start_moto, start_redis

    sock = str(base / "redis.sock")
    redis = start_redis(base, sock)
    moto, endpoint = start_moto(base) if s3 else (None, None)
    return redis, sock, moto, endpoint


# --- one storage (child process) -------------------------------------------------------


def configure(root: Path, storage: str, redis_socket: str, endpoint: str | None) -> None:
    from django.conf import settings

    from tests.support.servers import s3_options

    s3 = {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": s3_options(endpoint, BUCKET)}
    settings.configure(
        **settings_for(
            root,
            default_storage=s3 if storage == "s3" else None,
            CACHES={
                "default": {
                    "BACKEND": "django.core.cache.backends.redis.RedisCache",
                    "LOCATION": f"unix://{redis_socket}?db=0",
                }
            },
            IMAGEKIT_CACHE_BACKEND="default",
        )
    )


def tiny_jpeg(index: int) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (32, 24), ((index * 37) % 256, (index * 11) % 256, 90)).save(
        buffer, format="JPEG"
    )
    return buffer.getvalue()


def store_sources(storage, count: int) -> list[str]:
    names = [f"photos/{index:05d}.jpg" for index in range(count)]
    if hasattr(storage, "bucket_name"):
        client = storage.connection.meta.client
        client.create_bucket(Bucket=BUCKET)

        def put(item):
            index, name = item
            client.put_object(Bucket=BUCKET, Key=name, Body=tiny_jpeg(index))

        with ThreadPoolExecutor(8) as pool:
            list(pool.map(put, enumerate(names)))
    else:
        folder = Path(storage.location) / "photos"
        folder.mkdir(parents=True)
        for index, name in enumerate(names):
            (Path(storage.location) / name).write_bytes(tiny_jpeg(index))
    return names


def cache_files(storage) -> list[str]:
    from imagekit.cachefiles.listing import list_files

    return [entry.name for entry in list_files(storage, "CACHE/images")]


def run(command: list[str]) -> tuple[float, str]:
    from django.core.management import call_command

    out = io.StringIO()
    start = time.perf_counter()
    call_command(*command, stdout=out, stderr=io.StringIO())
    return time.perf_counter() - start, out.getvalue()


def child(args: argparse.Namespace) -> None:
    root = Path(args.root)
    sys.path.insert(0, str(REPO_ROOT))
    _apps.use_app("cleanup")  # benchapp: the model, apps/cleanup/benchapp/models.py
    configure(root, args.child, args.redis, args.endpoint)
    import django

    django.setup()
    from benchapp.models import BenchPhoto
    from django.core.files.storage import storages
    from django.core.management import call_command

    storage = storages["default"]
    call_command("migrate", run_syncdb=True, verbosity=0)
    names = store_sources(storage, args.count)
    BenchPhoto.objects.bulk_create(BenchPhoto(image=name) for name in names)
    made, _ = run(["generateimages", "--jobs", "2", "--progress", "never"])
    found = len(cache_files(storage))
    if found != args.count:
        sys.exit(f"error: generateimages made {found} of {args.count} cache files")
    BenchPhoto.objects.all().delete()

    dry, dry_out = run(["cleanupimages", "--dry-run", "--progress", "never", "--verbosity", "0"])
    real, real_out = run(
        ["cleanupimages", "--jobs", str(args.jobs), "--progress", "never", "--verbosity", "0"]
    )
    for label, out in (("dry run", dry_out), ("run", real_out)):
        if not re.search(rf"(Would remove|Removed) {args.count} file\(s\)", out):
            sys.exit(f"error: the {label} did not remove {args.count} files:\n{out}")
    left = cache_files(storage)
    if left:
        sys.exit(f"error: {len(left)} cache files are left after the cleanup")
    if not all(storage.exists(name) for name in names[:: max(1, args.count // 50)]):
        sys.exit("error: the cleanup removed sources")
    print(json.dumps({"generate": made, "dry": dry, "real": real}))


# --- parent -----------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10000, help="cache files (10000)")
    parser.add_argument("--jobs", type=int, default=4, help="cleanupimages --jobs (4)")
    parser.add_argument("--storage", nargs="+", choices=("local", "s3"), default=["local", "s3"])
    parser.add_argument("--child", choices=("local", "s3"), help=argparse.SUPPRESS)
    parser.add_argument("--root", help=argparse.SUPPRESS)
    parser.add_argument("--redis", help=argparse.SUPPRESS)
    parser.add_argument("--endpoint", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args)
        return

    base = Path(tempfile.mkdtemp(prefix="ik-clean-", dir="/tmp"))
    redis = moto = None
    results = {}
    try:
        redis, sock, moto, endpoint = start_servers(base, "s3" in args.storage)
        for storage in args.storage:
            root = base / storage
            root.mkdir()
            print(f"{storage}: {args.count} sources and thumbnails ...", flush=True)
            command = [
                sys.executable,
                __file__,
                "--child",
                storage,
                "--root",
                str(root),
                "--redis",
                sock,
                "--count",
                str(args.count),
                "--jobs",
                str(args.jobs),
            ]
            if endpoint:
                command += ["--endpoint", endpoint]
            done = subprocess.run(command, capture_output=True, text=True, check=False)
            if done.returncode != 0:
                sys.exit(f"error: the {storage} run failed:\n{done.stdout}{done.stderr}")
            results[storage] = json.loads(done.stdout.strip().splitlines()[-1])
    finally:
        for process in (redis, moto):
            if process is not None:
                process.stop()
        shutil.rmtree(base, ignore_errors=True)

    print()
    print(f"cleanupimages, {args.count} orphaned cache files (instances deleted)")
    print(
        f"{'storage':<8} {'dry run':>12} {'files/s':>9} {f'--jobs {args.jobs}':>12} {'files/s':>9}"
    )
    for storage, times in results.items():
        print(
            f"{storage:<8} {times['dry']:>11.2f}s {args.count / times['dry']:>9.0f}"
            f" {times['real']:>11.2f}s {args.count / times['real']:>9.0f}"
        )
    print(
        "(setup: generateimages --jobs 2 took "
        + ", ".join(f"{storage} {times['generate']:.1f}s" for storage, times in results.items())
        + ")"
    )


if __name__ == "__main__":
    main()
