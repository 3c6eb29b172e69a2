#!/usr/bin/env python3
"""Warm gallery pages, served the way Django serves them, against the floor (issue #10).

Usage::

    .venv/bin/python benchmarks/warm_pages.py [--quick] [--rounds N] [--rows 100]
                                              [--cold-rounds N] [--state-middleware]
                                              [--workdir DIR]

One process builds a throwaway project (SQLite file, media folder, the
counting storage and LocMem cache of ``_workload.py``, its ``benchapp.Photo``
model with an ``ImageField`` and an ``ImageSpecField``), adds ``--rows`` photos
(640x480 JPEGs) and serves, through ``django.core.handlers.wsgi.WSGIHandler``,
pages that show every row:

* floor:           ``{{ photo.image.url }}`` (what Django does without imagekit);
* thumbnail tag:   ``{% thumbnail '100x50' photo.image %}``;
* thumbnail as t:  ``{% thumbnail '100x50' photo.image as t %}{{ t.url }}``;
* photo.thumb.url: ``{{ photo.thumb.url }}``;
* generateimage:   ``{% generateimage 'benchapp:photo:thumb' source=photo.image %}``.

Why the WSGI handler: it is what runserver, gunicorn and uWSGI call. It sends
``request_started``, runs the middleware and the view, and the response's
``close()`` sends ``request_finished``, as a WSGI server calls it. Django's test
``Client`` does the same but disconnects ``close_old_connections`` around both
signals, so it is one step further from production. The view loads the rows
(a fresh query and fresh model instances per request, as in production) and
times the template's render on its own. Both that render time and the whole
request are reported. Every page has been served twice before it is timed,
so every cache file exists, its state is in the cache, and templates are compiled.

Rounds are interleaved: each round serves every page once, starting with a
different page each time, and medians are taken over rounds. A ``gc.collect()``
runs before each request, outside the timing. The cache and storage calls of
each request are counted (only the outermost calls, as a remote cache or
storage would see them).

Afterwards, unless ``--cold-rounds 0``, cold rounds check generation in the
same long-running process: each round deletes ``CACHE/`` and clears the Django
cache, as a user resetting their thumbnails would, serves the thumbnail-tag
page and the ``photo.thumb.url`` page, and checks that every cache file was
made again during the round. A round that generated nothing fails loudly: the
script then exits with status 1.

Nothing here asserts a time: the target (at most 1.5x the floor) is
reported, not enforced.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import importlib.util
import io
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from wsgiref.util import setup_testing_defaults

BENCH_DIR = Path(__file__).resolve().parent
if str(BENCH_DIR) not in sys.path:
    sys.path.insert(0, str(BENCH_DIR))

import _warm_site  # noqa: E402 - the benchmarks folder is on sys.path just above
import _workload  # noqa: E402
from _fresh import reset_cache_files  # noqa: E402
from report import table  # noqa: E402
from targets import limit  # noqa: E402

PAGES = tuple(_warm_site.TEMPLATES)
LABELS = {
    "floor": "floor: photo.image.url",
    "thumbnail": "(a) thumbnail tag",
    "thumbnail-as": "(b) thumbnail as t",
    "spec-url": "(c) photo.thumb.url",
    "generateimage": "generateimage tag",
}
TARGETED = ("thumbnail", "thumbnail-as", "spec-url")
SOURCE_SIZE = (640, 480)
STATE_MIDDLEWARE = "imagekit.middleware.CacheFileStateMiddleware"


@dataclass
class Config:
    rounds: int
    rows: int
    cold_rounds: int
    middleware: list[str] = field(default_factory=list)


@dataclass
class Served:
    """One request: its times, its calls and what went wrong with its output."""

    request_s: float
    render_s: float
    storage: dict[str, int]
    cache: dict[str, int]
    problem: str | None


# ---------------------------------------------------------------------------
# The project
# ---------------------------------------------------------------------------


def tree_state() -> dict[str, str]:
    """The imagekit that will be imported: its folder, a hash of it, its git state.

    Another checkout or a snapshot can be measured with ``PYTHONPATH=DIR``
    (the editable install's finder comes after ``sys.path``).
    """
    spec = importlib.util.find_spec("imagekit")
    package = Path(next(iter(spec.submodule_search_locations)))
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        digest.update(str(path.relative_to(package)).encode() + b"\0" + path.read_bytes())
    revision = "not a git checkout"
    result = subprocess.run(
        ["git", "-C", str(package), "log", "-1", "--format=%h"],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode == 0:
        revision = result.stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(package), "status", "--porcelain", "--", "."],
            capture_output=True,
            text=True,
            check=False,
        ).stdout
        revision += " + uncommitted changes" if dirty.strip() else ""
    load = f"{os.getloadavg()[0]:.1f}" if hasattr(os, "getloadavg") else "?"
    return {
        "package": str(package),
        "revision": revision,
        "hash": digest.hexdigest()[:12],
        "load": load,
    }


def configure(project: Path, middleware: list[str]) -> None:
    """``settings.configure`` for a project in *project*, served by ``_warm_site``."""
    from django.conf import settings

    _workload.write_app(project)  # benchapp: the Photo model
    media = project / "media"
    media.mkdir(exist_ok=True)
    settings.configure(
        DEBUG=False,
        SECRET_KEY="imagekit-benchmarks",
        ALLOWED_HOSTS=["testserver"],
        USE_TZ=True,
        DEFAULT_AUTO_FIELD="django.db.models.AutoField",
        DATABASES={
            "default": {"ENGINE": "django.db.backends.sqlite3", "NAME": str(project / "db.sqlite3")}
        },
        INSTALLED_APPS=["django.contrib.contenttypes", "imagekit", "benchapp"],
        MIDDLEWARE=middleware,
        ROOT_URLCONF="_warm_site",
        STORAGES={
            "default": {
                "BACKEND": "django.core.files.storage.FileSystemStorage",
                "OPTIONS": {"location": str(media), "base_url": "/media/"},
            },
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
        MEDIA_ROOT=str(media),
        MEDIA_URL="/media/",
        CACHES={
            "default": {
                "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                "LOCATION": "warm-pages",
                "OPTIONS": {"MAX_ENTRIES": 1_000_000},  # no culling
            }
        },
        IMAGEKIT_CACHE_BACKEND="default",
        TEMPLATES=[
            {
                "BACKEND": "django.template.backends.django.DjangoTemplates",
                # What DEBUG = False gives a project (the cached loader), over
                # templates held in memory.
                "OPTIONS": {
                    "loaders": [
                        (
                            "django.template.loaders.cached.Loader",
                            [("django.template.loaders.locmem.Loader", _warm_site.TEMPLATES)],
                        )
                    ]
                },
            }
        ],
    )


def build_project(project: Path, rows: int, middleware: list[str]) -> Path:
    """Set Django up for a new project in *project* with *rows* photos; return the media root."""
    import django
    from _images import photo_texture

    configure(project, middleware)
    django.setup()
    _workload.create_tables()
    source = project / "source.jpg"
    photo_texture(*SOURCE_SIZE).save(source, "JPEG", quality=90)
    _workload.add_photos(source, rows, "p")
    _warm_site.rows = rows
    return project / "media"


def cache_files(media: Path) -> list[Path]:
    cache_dir = media / "CACHE"
    return sorted(cache_dir.rglob("*.jpg")) if cache_dir.exists() else []


# ---------------------------------------------------------------------------
# Serving
# ---------------------------------------------------------------------------


def make_handler():
    from django.core.handlers.wsgi import WSGIHandler

    return WSGIHandler()


def check_output(name: str, body: str, rows: int) -> str | None:
    prefix = 'src="/media/photos/' if name == "floor" else 'src="/media/CACHE/'
    images, found = body.count("<img "), body.count(prefix)
    if images != rows or found != rows:
        return f"{name}: expected {rows} <img> with a {prefix}... src, got {images} and {found}"
    return None


@contextmanager
def counting():
    """Count the calls made to the storage and the cache until the block ends.

    The counters of ``tests/support/counting.py`` (outermost calls only) are put on the
    storage and cache *instances* for the block and taken off afterwards, so
    timed requests run on the plain backends: the counters cost about a
    microsecond per call, which would be charged to the floor too.
    """
    from django.core.cache import caches
    from django.core.files.storage import storages

    from tests.support import counting as instrument

    patched = []
    for obj, tracker, names in (
        (storages["default"], instrument.STORAGE, instrument.STORAGE_METHODS),
        (caches["default"], instrument.CACHE, instrument.CACHE_METHODS),
    ):
        tracker.reset()
        for name in names:
            setattr(obj, name, tracker.wrap(name, getattr(obj, name)))
            patched.append((obj, name))
    try:
        yield instrument.STORAGE, instrument.CACHE
    finally:
        for obj, name in patched:
            delattr(obj, name)


def serve(handler, name: str, rows: int, count: bool = False, collect: bool = True) -> Served:
    """Serve ``/<name>/`` as a WSGI server would; with *count*, count its calls.

    With *collect*, a ``gc.collect()`` runs first (outside the timing).
    """
    environ = {"PATH_INFO": f"/{name}/", "REQUEST_METHOD": "GET"}
    setup_testing_defaults(environ)
    environ["wsgi.input"] = io.BytesIO()
    statuses = []
    _warm_site.renders.clear()
    calls: tuple[dict[str, int], dict[str, int]] = ({}, {})
    with counting() if count else nullcontext() as trackers:
        if collect:
            gc.collect()
        start = time.perf_counter()
        response = handler(environ, lambda status, headers: statuses.append(status))
        try:
            body = b"".join(response)
        finally:
            response.close()  # sends request_finished, as the WSGI server does
        request_s = time.perf_counter() - start
        if trackers is not None:
            calls = trackers[0].snapshot(), trackers[1].snapshot()
    problem = None
    if statuses != ["200 OK"]:
        problem = f"{name}: status {statuses}"
    problem = problem or check_output(name, body.decode(), rows)
    render_s = _warm_site.renders[-1] if _warm_site.renders else float("nan")
    return Served(request_s, render_s, *calls, problem)


def warm_up(handler, media: Path, rows: int) -> list[str]:
    """Serve every page twice (generating every cache file); return the problems seen."""
    problems = []
    for _ in range(2):
        for name in PAGES:
            served = serve(handler, name, rows)
            if served.problem:
                problems.append(f"warm-up: {served.problem}")
    # Two specs per row: the thumbnail tag's and Photo.thumb's (generateimage shares it).
    files = len(cache_files(media))
    if files != 2 * rows:
        problems.append(f"warm-up: {files} cache files on disk, expected {2 * rows}")
    return problems


def run_rounds(handler, config: Config) -> tuple[dict[str, list[Served]], dict[str, list[Served]]]:
    """Return (timed requests, counted requests) by page."""
    timed: dict[str, list[Served]] = {name: [] for name in PAGES}
    for index in range(config.rounds):
        shift = index % len(PAGES)
        for name in PAGES[shift:] + PAGES[:shift]:
            timed[name].append(serve(handler, name, config.rows))
    counted = {
        name: [serve(handler, name, config.rows, count=True) for _ in range(3)] for name in PAGES
    }
    return timed, counted


# ---------------------------------------------------------------------------
# Cold rounds: is every file made again after a reset?
# ---------------------------------------------------------------------------


def run_cold_rounds(handler, media: Path, config: Config) -> tuple[list[list[str]], list[str]]:
    """Reset, then serve the pages that make files; check that they were made."""
    rows, failures = [], []
    for index in range(config.cold_rounds):
        reset_cache_files(media)
        if cache_files(media):
            failures.append(f"cold round {index + 1}: CACHE/ still holds files after the reset")
        started_ns = time.time_ns()
        made_before = 0
        for name, spec in (("thumbnail", "thumbnail tag"), ("spec-url", "Photo.thumb")):
            served = serve(handler, name, config.rows, count=True)
            files = cache_files(media)
            # Created in this round: the folder was deleted just before, and the
            # modification time (with a 10 ms allowance for coarse clocks) says so.
            fresh = sum(1 for f in files if f.stat().st_mtime_ns >= started_ns - 10_000_000)
            made = fresh - made_before
            made_before = fresh
            saves = served.storage.get("save", 0)
            ok = made == config.rows and saves >= config.rows and not served.problem
            rows.append(
                [
                    str(index + 1),
                    LABELS[name],
                    f"{served.request_s * 1e3:.1f}",
                    f"{made}/{config.rows}",
                    str(saves),
                    "ok" if ok else "FAILED",
                ]
            )
            if not ok:
                failures.append(
                    f"cold round {index + 1}, {LABELS[name]}: after deleting CACHE/ and clearing "
                    f"the cache, the page made {made} of {config.rows} {spec} files "
                    f"({saves} storage saves, {served.request_s * 1e3:.2f} ms)"
                    + (f"; {served.problem}" if served.problem else "")
                    + ". Does something in the process still believe the deleted files exist?"
                )
    return rows, failures


# ---------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------


def per_page(results: list[Served], group: str) -> dict[str, float]:
    names = sorted({name for r in results for name in getattr(r, group)})
    return {
        name: statistics.median(getattr(r, group).get(name, 0) for r in results) for name in names
    }


def describe(calls: dict[str, float]) -> str:
    return ", ".join(f"{name} {n:g}" for name, n in calls.items() if n) or "0"


def warm_table(
    results: dict[str, list[Served]], counted: dict[str, list[Served]], rows: int
) -> str:
    floor_render = statistics.median(r.render_s for r in results["floor"])
    floor_request = statistics.median(r.request_s for r in results["floor"])
    lines = []
    for name in PAGES:
        render = statistics.median(r.render_s for r in results[name])
        times = sorted(r.render_s for r in results[name])
        quartiles = statistics.quantiles(times, n=4) if len(times) > 1 else times * 3
        request = statistics.median(r.request_s for r in results[name])
        storage = per_page(counted[name], "storage")
        cache = per_page(counted[name], "cache")
        other = {k: v for k, v in storage.items() if k != "url"}
        target = ""
        if name in TARGETED:
            target = "met" if render / floor_render <= limit("warm_vs_floor") else "NOT met"
        lines.append(
            [
                LABELS[name],
                f"{render * 1e3:.2f}",
                f"{quartiles[0] * 1e3:.2f}-{quartiles[2] * 1e3:.2f}",
                f"{render / rows * 1e6:.1f}",
                f"{(render - floor_render) / rows * 1e6:+.1f}",
                f"{render / floor_render:.2f}",
                f"{request * 1e3:.2f}",
                f"{request / floor_request:.2f}",
                describe(cache),
                f"{storage.get('url', 0):g}",
                describe(other),
                target,
            ]
        )
    headers = ["page", "render ms", "IQR ms", "us/row", "us/row-floor", "x floor"]
    headers += ["request ms", "x floor", "cache calls/page", "url()/page", "other storage"]
    return table([*headers, f"<= {limit('warm_vs_floor'):g}x"], lines)


def header(config: Config, tree: dict, elapsed: float) -> list[str]:
    import django

    implementation = _workload.implementation()
    start, end = tree["start"], tree["end"]
    lines = [
        f"Warm pages of {config.rows} photos through WSGIHandler, against the floor (issue #10)",
        f"command:  {' '.join([Path(sys.executable).name, *sys.argv])}",
        f"versions: Python {platform.python_version()}, Django {django.get_version()}, "
        f"{implementation['dist']} from {implementation['file']}",
        f"tree:     {start['revision']} (hash of its *.py {start['hash']})",
        f"machine:  {platform.system()} {platform.machine()}, {os.cpu_count()} CPUs, "
        f"load {start['load']} -> {end['load']}; {config.rounds} interleaved rounds, "
        f"{elapsed:.0f} s",
        f"middleware: {', '.join(config.middleware) or 'none'}",
    ]
    if start["hash"] != end["hash"]:
        lines.append(
            f"WARNING:  imagekit/ changed during the run ({start['hash']} -> {end['hash']}): "
            "rounds measured different code"
        )
    return lines


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="15 rounds, 1 cold round")
    parser.add_argument("--rounds", type=int, help="interleaved rounds (default 100; 15 quick)")
    parser.add_argument("--rows", type=int, default=100, help="photos per page (100)")
    parser.add_argument("--cold-rounds", type=int, help="reset-and-regenerate rounds (3; 1 quick)")
    parser.add_argument(
        "--state-middleware",
        action="store_true",
        help=f"serve through {STATE_MIDDLEWARE} (default: no middleware at all)",
    )
    parser.add_argument("--workdir", type=Path, help="project folder (default: a temporary one)")
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    config = Config(
        rounds=args.rounds or (15 if args.quick else 100),
        rows=args.rows,
        cold_rounds=args.cold_rounds if args.cold_rounds is not None else (1 if args.quick else 3),
        middleware=[STATE_MIDDLEWARE] if args.state_middleware else [],
    )
    started = time.monotonic()
    tree = {"start": tree_state()}
    project = args.workdir or Path(tempfile.mkdtemp(prefix="imagekit-warm-"))
    if project.exists() and any(project.iterdir()):
        shutil.rmtree(project)
    project.mkdir(parents=True, exist_ok=True)
    try:
        media = build_project(project, config.rows, config.middleware)
        handler = make_handler()
        problems = warm_up(handler, media, config.rows)
        results, counted = run_rounds(handler, config)
        every = [r for rs in (*results.values(), *counted.values()) for r in rs]
        problems += [r.problem for r in every if r.problem]
        warm_saves = sum(r.storage.get("save", 0) for rs in counted.values() for r in rs)
        if warm_saves:
            problems.append(f"warm rounds saved {warm_saves} files: they were not warm")
        cold_rows, failures = run_cold_rounds(handler, media, config)
    finally:
        if args.workdir is None:
            shutil.rmtree(project, ignore_errors=True)
    tree["end"] = tree_state()

    lines = header(config, tree, time.monotonic() - started)
    lines += [
        "",
        "Warm pages: median over rounds of the template render inside the view, its",
        "interquartile range, per row, per row above the floor, and the ratio to the",
        "floor; the whole request (request_started to request_finished, with the query);",
        "calls per page made to the cache and the storage during the request (counted",
        "in three more requests per page, so that the counters cost the timings nothing).",
        warm_table(results, counted, config.rows),
    ]
    if cold_rows:
        lines += [
            "",
            "Cold rounds: delete CACHE/ and clear the Django cache, then serve the page;",
            "made = cache files on disk created during the round (expected: every row).",
            table(["round", "page", "request ms", "made", "saves", ""], cold_rows),
        ]
    print("\n".join(lines))
    for message in problems + failures:
        print(f"FAILED: {message}", file=sys.stderr)
    return 1 if problems or failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
