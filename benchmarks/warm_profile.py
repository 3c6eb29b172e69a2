#!/usr/bin/env python3
"""Where a warm page's time goes, above the floor: cProfile and timed parts (issue #10).

Usage::

    .venv/bin/python benchmarks/warm_profile.py [--quick] [--rows 100] [--requests 40]
                                                [--top 20] [--pages thumbnail,spec-url]

It builds and warms the project of ``warm_pages.py`` (same model, same pages,
served through ``WSGIHandler``), then:

1. profiles ``--requests`` requests of each page with cProfile and prints,
   per row: the self time spent in each area (imagekit module, Django's
   templates, signals, storage; built-ins charged to their caller's area)
   on the floor page and, for the others, above it; the functions with the
   most self time; the inclusive time of imagekit's own functions. cProfile
   makes many small calls look dearer than they are: read these for shares;
2. times the parts of the warm path one by one, without a profiler, over every
   row inside a request bracket (``request_started`` sent before and
   ``request_finished`` after, as the handler does): median microseconds per
   row. Parts that this imagekit does not have print "n/a" with the reason.
   Both the committed tree and the one being redesigned can be measured, with
   ``PYTHONPATH=DIR`` pointing at the one wanted.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import pstats
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
if str(BENCH_DIR) not in sys.path:
    sys.path.insert(0, str(BENCH_DIR))

import _warm_site  # noqa: E402 - the benchmarks folder is on sys.path just above
import warm_pages  # noqa: E402
from report import table  # noqa: E402

DEFAULT_PAGES = ("thumbnail", "thumbnail-as", "spec-url")  # the floor is always profiled

# Areas of the code, by a fragment of the file path (first match wins).
AREAS = (
    ("imagekit/templatetags", "imagekit: template tags"),
    ("imagekit/hashers", "imagekit: hashing"),
    ("imagekit/cachefiles/namers", "imagekit: namers"),
    ("imagekit/cachefiles/backends", "imagekit: backends, state"),
    ("imagekit/cachefiles/state", "imagekit: backends, state"),
    ("imagekit/cachefiles/memory", "imagekit: backends, state"),
    ("imagekit/cachefiles/strategies", "imagekit: strategies"),
    ("imagekit/cachefiles/", "imagekit: ImageCacheFile"),
    ("imagekit/files", "imagekit: ImageCacheFile"),
    ("imagekit/specs/sourcegroups", "imagekit: source groups (model load)"),
    ("imagekit/specs", "imagekit: specs"),
    ("imagekit/generatorlibrary", "imagekit: specs"),
    ("imagekit/registry", "imagekit: registry, relay"),
    ("imagekit/models", "imagekit: descriptor"),
    ("imagekit/", "imagekit: utils, loading, conf"),
    ("pilkit/", "pilkit (processor construction)"),
    ("django/dispatch", "django: signals"),
    ("django/core/files", "django: storage"),
    ("urllib/parse", "django: storage"),
    ("django/utils/encoding", "django: storage"),
    ("django/template", "django: templates"),
    ("django/utils/html", "django: templates"),
    ("django/utils/safestring", "django: templates"),
    ("django/conf", "django: settings"),
    ("django/core/cache", "django: cache"),
    ("django/db", "django: database (the query)"),
)


def area_of(filename: str) -> str:
    for fragment, area in AREAS:
        if fragment in filename:
            return area
    if filename == "~":
        return "builtins"
    return "other (Python's own modules)"


def label(func: tuple[str, int, str]) -> str:
    filename, line, name = func
    if filename == "~":
        return name
    parts = Path(filename).parts
    for anchor in ("imagekit", "django", "pilkit"):
        if anchor in parts:
            index = len(parts) - 1 - parts[::-1].index(anchor)
            return f"{'/'.join(parts[index:])}:{line} {name}"
    return f"{Path(filename).name}:{line} {name}"


# ---------------------------------------------------------------------------
# 1. cProfile
# ---------------------------------------------------------------------------


def profile_page(handler, name: str, rows: int, requests: int) -> pstats.Stats:
    profiler = cProfile.Profile()
    for _ in range(requests):
        gc.collect()
        profiler.enable()
        warm_pages.serve(handler, name, rows, collect=False)
        profiler.disable()
    return pstats.Stats(profiler)


def areas_of(stats: pstats.Stats, per: int) -> dict[str, float]:
    """Self time by area, in microseconds per row.

    Built-in functions (``getattr``, ``isinstance``, ``str.replace``...) are
    charged to the area of whoever called them.
    """
    areas: dict[str, float] = {}

    def add(area: str, seconds: float) -> None:
        areas[area] = areas.get(area, 0.0) + seconds / per * 1e6

    for func, (_cc, _nc, tottime, _ct, callers) in stats.stats.items():
        if func[0] != "~" or not callers:
            add(area_of(func[0]), tottime)
            continue
        for caller, (_ccc, _cnc, caller_tottime, _cct) in callers.items():
            add(area_of(caller[0]), caller_tottime)
    return areas


def report_areas(profiles: dict[str, pstats.Stats], per: int) -> list[str]:
    areas = {name: areas_of(stats, per) for name, stats in profiles.items()}
    floor = areas.get("floor", {})
    names = sorted(
        {a for page in areas.values() for a in page},
        key=lambda a: -max(page.get(a, 0.0) - floor.get(a, 0.0) for page in areas.values()),
    )
    pages = [name for name in profiles if name != "floor"]
    rows = []
    for area in names:
        row = [area, f"{floor.get(area, 0.0):.2f}"]
        row += [f"{areas[p].get(area, 0.0) - floor.get(area, 0.0):+.2f}" for p in pages]
        rows.append(row)
    totals = ["total", f"{sum(floor.values()):.2f}"]
    totals += [f"{sum(areas[p].values()) - sum(floor.values()):+.2f}" for p in pages]
    rows.append(totals)
    headers = ["area (self time, whole request)", "floor us/row"]
    headers += [f"{warm_pages.LABELS[p]} - floor" for p in pages]
    return [
        "",
        "cProfile: self time by area, us per row, whole request (the query and the model",
        "load included: they are the same for every page). Under the profiler every call",
        "costs more: read these as shares, and the timed parts below for real figures.",
        table(headers, rows),
    ]


def report_functions(stats: pstats.Stats, name: str, per: int, top: int) -> list[str]:
    entries = stats.stats  # {func: (primitive calls, calls, tottime, cumtime, callers)}
    lines = ["", f"cProfile, {warm_pages.LABELS[name]}: us and calls per row"]
    by_self = sorted(entries.items(), key=lambda item: -item[1][2])[:top]
    rows = [
        [label(func), f"{tt / per * 1e6:.2f}", f"{ct / per * 1e6:.2f}", f"{nc / per:.2f}"]
        for func, (_cc, nc, tt, ct, _callers) in by_self
    ]
    lines.append(table(["function (by self time)", "self us", "incl us", "calls"], rows))
    own = [(func, values) for func, values in entries.items() if "imagekit/" in func[0]]
    own.sort(key=lambda item: -item[1][3])
    rows = [
        [label(func), f"{ct / per * 1e6:.2f}", f"{tt / per * 1e6:.2f}", f"{nc / per:.2f}"]
        for func, (_cc, nc, tt, ct, _callers) in own[:top]
    ]
    if rows:
        lines.append(
            table(["imagekit function (by inclusive time)", "incl us", "self us", "calls"], rows)
        )
    return lines


# ---------------------------------------------------------------------------
# 2. The parts, timed one by one
# ---------------------------------------------------------------------------


class Unavailable(Exception):
    """This imagekit has no such part (another version, or a redesign under way)."""


def in_request(func: Callable[[], float]) -> float:
    """Run *func* between request_started and request_finished, as the handler does."""
    from django.core.handlers.wsgi import WSGIHandler
    from django.core.signals import request_finished, request_started

    request_started.send(sender=WSGIHandler, environ={})
    try:
        return func()
    finally:
        request_finished.send(sender=WSGIHandler)


def sample(prepare: Callable[[], list], call: Callable[[Any], Any], divisor: int) -> float:
    """Seconds per item (over *divisor*) of ``call(item)`` for each item of ``prepare()``."""

    def once() -> float:
        items = prepare()  # not timed: fresh objects, as each request makes its own
        gc.collect()
        start = time.perf_counter()
        for item in items:
            call(item)
        return (time.perf_counter() - start) / divisor

    return in_request(once)


def ik(module: str, name: str) -> Any:
    """Return ``module.name`` from imagekit, or raise Unavailable."""
    from importlib import import_module

    try:
        return getattr(import_module(module), name)
    except (ImportError, AttributeError) as exc:
        raise Unavailable(f"{module}.{name}: {exc}") from exc


def parts(rows: int) -> list[tuple[str, str, Callable[[], tuple]]]:
    """The parts to time: ``(page, description, setup)``.

    ``setup()`` returns ``(prepare, call)`` or ``(prepare, call, divisor)``; it
    raises Unavailable when this imagekit lacks what the part needs.
    """
    from benchapp.models import Photo, PlainPhoto
    from django.conf import settings
    from django.core.files.storage import storages
    from django.dispatch import Signal
    from django.template import Context, Template
    from django.template.base import Variable

    def photos() -> list:
        return list(Photo.objects.order_by("pk")[:rows])

    def contexts() -> list:
        return [Context({"photo": p}) for p in photos()]

    def node(text: str) -> Any:
        return Template("{% load imagekit %}" + text).nodelist[-1]

    # Public import paths of ImageKit 6.1: every version has them.
    registry = ik("imagekit.registry", "generator_registry")
    cache_file = ik("imagekit.cachefiles", "ImageCacheFile")

    def sources() -> list:
        return [p.image for p in photos()]

    def thumbnail_spec(source: Any) -> Any:
        return registry.get("imagekit:thumbnail", source=source, width=100, height=50)

    def field_spec(source: Any) -> Any:
        return registry.get(_warm_site.THUMB_ID, source=source)

    def specs(make: Callable[[Any], Any]) -> Callable[[], list]:
        return lambda: [make(source) for source in sources()]

    def files(make: Callable[[Any], Any], url: bool = False) -> Callable[[], list]:
        def prepare() -> list:
            made = [cache_file(make(source)) for source in sources()]
            for f in made if url else ():
                _ = f.url
            return made

        return prepare

    def loads(model: Any) -> tuple:
        return (lambda: [None]), (lambda _: list(model.objects.order_by("pk")[:rows])), rows

    def same(value: Any) -> Callable[[], list]:
        return lambda: [value] * rows

    def lookup(module: str, name: str, *args: Any) -> Callable[[], tuple]:
        def setup() -> tuple:
            func = ik(module, name)
            return same(None), lambda _: func(*args)

        return setup

    def escape_three() -> tuple:
        escape = ik("imagekit.templatetags.imagekit", "_escape")
        attrs = {"width": 100, "height": 50, "src": "/media/CACHE/images/photos/p000/abc.jpg"}
        return same(attrs), lambda a: " ".join(f'{escape(k)}="{escape(v)}"' for k, v in a.items())

    def existence_send() -> tuple:
        signal = ik("imagekit.signals", "existence_required")
        return files(thumbnail_spec), lambda f: signal.send(sender=f, file=f)

    def get_state() -> tuple:
        return files(thumbnail_spec), lambda f: f.cachefile_backend.get_state(f)

    def named_file() -> tuple:
        def prepare() -> list:
            return [(s, s.cachefile_name) for s in specs(thumbnail_spec)()]

        return prepare, lambda pair: cache_file(pair[0], name=pair[1])

    def get_file() -> tuple:
        n = node("{% thumbnail '100x50' photo.image %}")
        if not hasattr(n, "get_file"):
            raise Unavailable("the thumbnail node has no get_file()")
        return contexts, n.get_file

    def prototype_file() -> tuple:
        made = ik("imagekit.thumbnails", "thumbnail_cachefile")
        size = {"width": 100, "height": 50}
        return sources, lambda source: made("imagekit:thumbnail", size, source)

    def source_resolve() -> tuple:
        n = node("{% thumbnail '100x50' photo.image %}")
        source = getattr(n, "_source", None)
        if source is None:
            raise Unavailable("the thumbnail node keeps no _source")
        return contexts, source.resolve

    storage = storages["default"]
    one_receiver = Signal()
    one_receiver.connect(_nothing, weak=False)
    return [
        ("load", "Photo rows: query + model init (post_init receivers)", lambda: loads(Photo)),
        ("load", "PlainPhoto rows: the same model without a spec field", lambda: loads(PlainPhoto)),
        (
            "floor",
            "{{ photo.image.url }} lookup (Variable.resolve)",
            lambda: (contexts, Variable("photo.image.url").resolve),
        ),
        ("floor", "photo.image.url (FieldFile.url)", lambda: (photos, lambda p: p.image.url)),
        (
            "floor",
            "storage.url(cache file name) alone",
            lambda: (
                same("CACHE/images/photos/p000/0123456789abcdef0123456789abcdef.jpg"),
                storage.url,
            ),
        ),
        (
            "(a)",
            "{% thumbnail '100x50' photo.image %} node.render",
            lambda: (contexts, node("{% thumbnail '100x50' photo.image %}").render),
        ),
        ("(a)(b)", "  node.get_file(): arguments + spec + ImageCacheFile", get_file),
        ("(a)(b)", "    resolve photo.image (FilterExpression.resolve)", source_resolve),
        ("(a)(b)", "    thumbnail_cachefile(): spec copied from its prototype", prototype_file),
        (
            "(a)(b)",
            "    (first row) registry.get('imagekit:thumbnail', ...)",
            lambda: (sources, thumbnail_spec),
        ),
        (
            "(a)(b)",
            "    (first row) ImageCacheFile(spec), naming included",
            lambda: (specs(thumbnail_spec), cache_file),
        ),
        (
            "(a)(b)",
            "      spec.cachefile_name (namer, hash included)",
            lambda: (specs(thumbnail_spec), lambda s: s.cachefile_name),
        ),
        (
            "(a)(b)",
            "        spec.get_hash()",
            lambda: (specs(thumbnail_spec), lambda s: s.get_hash()),
        ),
        ("(a)(b)", "      ImageCacheFile(spec, name=...): no naming", named_file),
        ("(a)(b)(c)", "  file.url, first read", lambda: (files(thumbnail_spec), lambda f: f.url)),
        ("(a)(b)(c)", "    existence_required.send(file): relay, strategy, state", existence_send),
        ("(a)(b)(c)", "      backend.get_state(file)", get_state),
        (
            "(a)(b)(c)",
            "      Signal.send() to one receiver that does nothing",
            lambda: (same(None), lambda _: one_receiver.send(sender=None)),
        ),
        (
            "(a)(b)(c)",
            "    storage.url (above)",
            lambda: (
                same("CACHE/images/photos/p000/0123456789abcdef0123456789abcdef.jpg"),
                storage.url,
            ),
        ),
        (
            "(a)",
            "  file.width + file.height, after url",
            lambda: (files(thumbnail_spec, url=True), lambda f: (f.width, f.height)),
        ),
        ("(a)", "  escape and join width, height, src", escape_three),
        (
            "(b)",
            "{% thumbnail '100x50' photo.image as t %} node.render",
            lambda: (contexts, node("{% thumbnail '100x50' photo.image as t %}").render),
        ),
        (
            "(c)",
            "{{ photo.thumb.url }} lookup (Variable.resolve)",
            lambda: (contexts, Variable("photo.thumb.url").resolve),
        ),
        ("(c)", "  photo.thumb.url on a fresh photo", lambda: (photos, lambda p: p.thumb.url)),
        (
            "(c)",
            "    photo.thumb (descriptor: spec + ImageCacheFile)",
            lambda: (photos, lambda p: p.thumb),
        ),
        (
            "(c)",
            "      registry.get(spec id, source=...): field spec",
            lambda: (sources, field_spec),
        ),
        (
            "(c)",
            "      field spec .cachefile_name (namer, hash included)",
            lambda: (specs(field_spec), lambda s: s.cachefile_name),
        ),
        (
            "(c)",
            "        field spec .get_hash()",
            lambda: (specs(field_spec), lambda s: s.get_hash()),
        ),
        ("(c)", "    file.url, first read", lambda: (files(field_spec), lambda f: f.url)),
        (
            "lookups",
            "settings.IMAGEKIT_CACHEFILE_DIR (LazySettings)",
            lambda: (same("IMAGEKIT_CACHEFILE_DIR"), lambda name: getattr(settings, name)),
        ),
        (
            "lookups",
            "conf.setting('IMAGEKIT_CACHEFILE_DIR')",
            lookup("imagekit.conf", "setting", "IMAGEKIT_CACHEFILE_DIR"),
        ),
        ("lookups", "utils.get_storage()", lookup("imagekit.utils", "get_storage")),
        (
            "lookups",
            "backends.get_default_cachefile_backend()",
            lookup("imagekit.cachefiles.backends", "get_default_cachefile_backend"),
        ),
        (
            "lookups",
            "strategies.load_strategy(JustInTime path)",
            lookup(
                "imagekit.cachefiles.strategies",
                "load_strategy",
                "imagekit.cachefiles.strategies.JustInTime",
            ),
        ),
        (
            "lookups",
            "utils.get_by_qname(namer path)",
            lookup(
                "imagekit.utils",
                "get_by_qname",
                "imagekit.cachefiles.namers.source_name_as_path",
                "namer",
            ),
        ),
    ]


def _nothing(sender: Any, **kwargs: Any) -> None:
    return None


def report_parts(rows: int, reps: int) -> list[str]:
    """Time every part, interleaved: each repeat takes one sample of every part."""
    ready, samples = [], {}
    out = []
    for index, (page, description, setup) in enumerate(parts(rows)):
        try:
            prepared = setup()
        except Unavailable as exc:
            out.append((index, [description, page, f"n/a ({exc})"]))
            continue
        prepare, call, divisor = prepared if len(prepared) == 3 else (*prepared, rows)
        ready.append((index, page, description, prepare, call, divisor))
    for _ in range(reps):
        for index, _page, _description, prepare, call, divisor in ready:
            samples.setdefault(index, []).append(sample(prepare, call, divisor))
    for index, page, description, *_rest in ready:
        out.append((index, [description, page, f"{statistics.median(samples[index]) * 1e6:.2f}"]))
    out.sort(key=lambda item: item[0])
    return [
        "",
        "Parts of the warm path, timed one by one in a request bracket, no profiler:",
        f"median over {reps} interleaved repeats of us per row. Indented parts are inside",
        "the part above them.",
        table(["part", "page", "us/row"], [row for _index, row in out]),
    ]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="10 requests, 7 repeats")
    parser.add_argument("--rows", type=int, default=100)
    parser.add_argument("--requests", type=int, help="profiled requests per page (40)")
    parser.add_argument("--top", type=int, default=20, help="functions listed per page (20)")
    parser.add_argument("--pages", default=",".join(DEFAULT_PAGES), help="%(default)s")
    args = parser.parse_args(argv)
    requests = args.requests or (10 if args.quick else 40)
    reps = 7 if args.quick else 25
    pages = [name for name in args.pages.split(",") if name]
    unknown = sorted(set(pages) - set(warm_pages.PAGES))
    if unknown:
        parser.error(f"unknown pages {unknown}; choose from {', '.join(warm_pages.PAGES)}")

    tree = warm_pages.tree_state()
    project = Path(tempfile.mkdtemp(prefix="imagekit-warm-profile-"))
    try:
        media = warm_pages.build_project(project, args.rows, [])
        handler = warm_pages.make_handler()
        problems = warm_pages.warm_up(handler, media, args.rows)
        if problems:
            print("\n".join(problems), file=sys.stderr)
            return 1
        lines = [
            f"Profile of warm pages, {args.rows} rows, imagekit from {tree['package']}",
            f"tree: {tree['revision']} (hash of its *.py {tree['hash']})",
        ]
        per = requests * args.rows
        profiles = {}
        for name in ["floor", *(p for p in pages if p != "floor")]:
            profiles[name] = profile_page(handler, name, args.rows, requests)
        lines += report_areas(profiles, per)
        for name in pages:
            lines += report_functions(profiles[name], name, per, args.top)
        lines += report_parts(args.rows, reps)
    finally:
        shutil.rmtree(project, ignore_errors=True)
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
