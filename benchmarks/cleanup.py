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
django-storages against ``moto_server`` on loopback (started here, as
``tests/scale`` does). Figures are printed side by side, with files/second.

Run from the repository root (the ``scale`` extra installs moto, boto3 and
django-storages)::

    python benchmarks/cleanup.py [--count 10000] [--jobs 4] [--storage local s3]

This is a script, not a test: nothing here runs under pytest.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
BUCKET = "ik-bench"


# --- servers (parent process) ------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            sys.exit(f"error: timed out waiting for {what}")
        time.sleep(0.1)


def start_redis(root: Path) -> tuple[subprocess.Popen, str]:
    sys.path.insert(0, str(REPO_ROOT))
    from tests.redis_server import find_redis_server

    sock = str(root / "redis.sock")
    process = subprocess.Popen(
        [
            find_redis_server(),
            "--port",
            "0",
            "--unixsocket",
            sock,
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    wait(lambda: os.path.exists(sock), 20, "redis-server")
    return process, sock


def start_moto() -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"

    def answers() -> bool:
        try:
            with urllib.request.urlopen(f"{url}/moto-api/", timeout=1):
                return True
        except OSError:
            return False

    wait(answers, 30, "moto_server")
    return process, url


# --- one storage (child process) -------------------------------------------------------


def write_app(root: Path) -> None:
    app = root / "benchapp"
    app.mkdir()
    (app / "__init__.py").write_text("")
    (app / "models.py").write_text(
        textwrap.dedent(
            """
            from django.db import models
            from imagekit.models import ImageSpecField
            from imagekit.processors import ResizeToFill


            class BenchPhoto(models.Model):
                image = models.ImageField(upload_to="photos")
                thumbnail = ImageSpecField(
                    source="image", processors=[ResizeToFill(16, 12)], format="JPEG"
                )

                class Meta:
                    app_label = "benchapp"
            """
        )
    )


def configure(root: Path, storage: str, redis_socket: str, endpoint: str | None) -> None:
    from django.conf import settings

    if storage == "s3":
        default = {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "endpoint_url": endpoint,
                "access_key": "testing",
                "secret_key": "testing",
                "region_name": "us-east-1",
                "addressing_style": "path",
                "querystring_auth": False,
            },
        }
    else:
        default = {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(root / "media"), "base_url": "/media/"},
        }
    settings.configure(
        DEBUG=False,
        SECRET_KEY="benchmark-only",
        USE_TZ=True,
        DEFAULT_AUTO_FIELD="django.db.models.AutoField",
        INSTALLED_APPS=["imagekit", "benchapp"],
        DATABASES={
            "default": {"ENGINE": "django.db.backends.sqlite3", "NAME": str(root / "db.sqlite3")}
        },
        CACHES={
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": f"unix://{redis_socket}?db=0",
            }
        },
        IMAGEKIT_CACHE_BACKEND="default",
        STORAGES={
            "default": default,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
        MEDIA_ROOT=str(root / "media"),
        MEDIA_URL="/media/",
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
    sys.path.insert(0, str(root))
    sys.path.insert(0, str(REPO_ROOT))
    write_app(root)
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
    redis, sock = start_redis(base)
    moto = endpoint = None
    results = {}
    try:
        if "s3" in args.storage:
            moto, endpoint = start_moto()
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
                process.terminate()
                process.wait(10)
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
