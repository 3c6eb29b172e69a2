"""Time ``generateimages --force`` with ``--jobs 1`` against ``--jobs 2``.

A throwaway Django project is built in a temporary folder: settings with a
SQLite file database and a FileSystemStorage there, a tiny app with one
model, and 200 JPEG sources (1280x960, noise over gradients, drawn with
Pillow). A ``ResizeToFill(100, 50)`` JPEG spec is registered with
``register.source_group``. The two job counts run alternately, three rounds
each, and the medians and their ratio are printed. Before each run ``CACHE/``
is deleted and the cache cleared, as a user resetting thumbnails would; after
it, every cache file must have been written by that run, or the script stops
with an error (a run that generated nothing would otherwise time a no-op).

Sources:

* ``--source model`` (default): an ``ImageFieldSourceGroup`` over the model's
  image field. Its cache files pickle, so ``--jobs 2`` really uses workers.
* ``--source files``: a custom source group yielding plain ``open(path, "rb")``
  files. Open files do not pickle, so the command generates them in the main
  process whatever ``--jobs`` says; expect a ratio close to 1.

Run from the repository root::

    python benchmarks/generateimages_jobs.py [--count 200] [--rounds 3] [--source model|files]

This is a script, not a test: nothing here runs under pytest.
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import _apps  # benchmarks/, this script's folder
from _fresh import require_fresh_files, reset_cache_files
from _project import settings_for

REPO_ROOT = Path(__file__).resolve().parent.parent
GENERATOR_ID = "bench:thumbnail"


def configure(root: Path) -> None:
    from django.conf import settings

    settings.configure(**settings_for(root))


def source_jpeg(index: int, size: tuple[int, int] = (1280, 960)) -> bytes:
    """Return a JPEG of noise laid over gradients, different for every *index*."""
    from PIL import Image, ImageChops

    horizontal = Image.linear_gradient("L").rotate(90 * (index % 4)).resize(size)
    vertical = Image.radial_gradient("L").resize(size)
    noise = Image.effect_noise(size, 40 + index % 50)
    red = ImageChops.add(horizontal, noise, scale=1.5)
    green = ImageChops.multiply(vertical, noise)
    blue = Image.new("L", size, (index * 37) % 256)
    image = Image.merge("RGB", (red, green, blue))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=90)
    return buffer.getvalue()


class PlainFileSourceGroup:
    """A custom source group yielding plain binary files."""

    def __init__(self, paths: list[Path]) -> None:
        self.paths = paths

    def files(self):
        for path in self.paths:
            yield open(path, "rb")  # the command closes it


def set_up(root: Path, count: int, source: str) -> None:
    from benchapp.models import BenchPhoto
    from django.core.files.base import ContentFile
    from django.core.management import call_command

    from imagekit import ImageSpec, register
    from imagekit.processors import ResizeToFill
    from imagekit.specs.sourcegroups import ImageFieldSourceGroup

    class BenchThumbnail(ImageSpec):
        processors = [ResizeToFill(100, 50)]
        format = "JPEG"

    # Picklable by reference, as the forked workers unpickle cache files.
    BenchThumbnail.__module__ = __name__
    BenchThumbnail.__qualname__ = "BenchThumbnail"
    globals()["BenchThumbnail"] = BenchThumbnail

    register.generator(GENERATOR_ID, BenchThumbnail)
    call_command("migrate", run_syncdb=True, verbosity=0)

    print(f"Drawing {count} 1280x960 JPEG sources ...", flush=True)
    if source == "model":
        for index in range(count):
            photo = BenchPhoto()
            photo.image.save(f"source{index:03}.jpg", ContentFile(source_jpeg(index)), save=True)
        register.source_group(GENERATOR_ID, ImageFieldSourceGroup(BenchPhoto, "image"))
    else:
        folder = root / "sources"
        folder.mkdir()
        paths = []
        for index in range(count):
            path = folder / f"source{index:03}.jpg"
            path.write_bytes(source_jpeg(index))
            paths.append(path)
        register.source_group(GENERATOR_ID, PlainFileSourceGroup(paths))


def check_generated(root: Path, count: int, started_ns: int, label: str) -> None:
    """Exit with an error unless the run wrote all *count* cache files anew."""
    require_fresh_files(root / "media" / "CACHE", count, started_ns, label)


def time_run(jobs: int) -> float:
    from django.core.management import call_command

    start = time.perf_counter()
    call_command(
        "generateimages",
        GENERATOR_ID,
        "--force",
        "--jobs",
        str(jobs),
        "--progress",
        "never",
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200, help="number of sources (200)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per job count (3)")
    parser.add_argument("--source", choices=("model", "files"), default="model")
    parser.add_argument("--keep", action="store_true", help="keep the temporary project")
    args = parser.parse_args(argv)

    root = Path(tempfile.mkdtemp(prefix="imagekit-bench-"))
    sys.path.insert(0, str(REPO_ROOT))
    try:
        _apps.use_app("generateimages")  # benchapp: apps/generateimages/benchapp/
        configure(root)
        import django

        django.setup()
        set_up(root, args.count, args.source)

        time_run(1)  # warm up: first generation, imports, page cache
        timings: dict[int, list[float]] = {1: [], 2: []}
        for round_number in range(1, args.rounds + 1):
            for jobs in (1, 2):
                reset_cache_files(root / "media")
                started_ns = time.time_ns()
                seconds = time_run(jobs)
                check_generated(root, args.count, started_ns, f"round {round_number} --jobs {jobs}")
                timings[jobs].append(seconds)
                print(f"round {round_number}  --jobs {jobs}: {seconds:6.2f} s", flush=True)

        generated = len(list((root / "media" / "CACHE").rglob("*.jpg")))
        one, two = statistics.median(timings[1]), statistics.median(timings[2])
        print()
        print(f"source: {args.source}, {args.count} files, {generated} cache files on disk")
        print(f"CPUs available: {len(os.sched_getaffinity(0))} (os.cpu_count() = {os.cpu_count()})")
        print(f"median --jobs 1: {one:6.2f} s  ({args.count / one:6.1f} files/s)")
        print(f"median --jobs 2: {two:6.2f} s  ({args.count / two:6.1f} files/s)")
        print(f"ratio jobs1/jobs2: {one / two:0.2f}x")
    finally:
        if args.keep:
            print(f"kept {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
