#!/usr/bin/env python3
"""``{% picture %}``: warm pages against the floor, cold generation against Pillow (issue #12).

Usage::

    .venv/bin/python benchmarks/pictures.py [--quick] [--rounds N] [--rows 50] [--cold-runs N]

Warm: the project of ``warm_pages.py`` (WSGIHandler, the cached template
loader, LocMem cache, 640x480 JPEG sources) serves two pages of ``--rows``
photos, interleaved round by round: the floor ``{{ photo.image.url }}`` and

    {% picture '640x480' photo.image widths='160 320 640' formats='avif webp' %}

(3 widths x 3 formats: AVIF, WebP and the JPEG fallback: 9 URLs per photo).
Both pages were served twice before timing, so every variant exists. The
figure to read is the render time per URL against the floor's per URL
(target: at most 1.5x), with the cache and storage calls per page (target: 1
cache round trip, storage ``url()`` only).

Cold: in a fresh subprocess each (so peak RSS is that run's), a 4000x3000
JPEG made into 3 widths (640 960 1280) x JPEG and WebP, by

* ``imagekit``: ``build_picture()`` (Simple backend, JustInTime): one reduced
  decode, the resizes, the encodes, the atomic writes and state records;
* ``pillow``: the minimal Pillow pipeline doing the same work: ``draft()`` to
  the largest size, ``load()``, a LANCZOS resize per width from the decode,
  an encode per format with the same options (JPEG at Pillow's default, WebP
  with imagekit's defaults), written to memory.

Each run reports the best time over ``--cold-runs`` and peak RSS (and its
growth over the process's RSS before the work). Targets: at most 1.25x the
Pillow time, at most 40 MB. Then a 1280-wide AVIF encode: Pillow's default
settings against imagekit's (``ENCODER_DEFAULTS``), time, size and PSNR
against the resized original. Nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import io
import json
import math
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
if str(BENCH_DIR) not in sys.path:
    sys.path.insert(0, str(BENCH_DIR))

from targets import limit  # noqa: E402 - the benchmarks folder is on sys.path just above

PICTURE = (
    "{% load imagekit %}{% for photo in photos %}"
    "{% picture '640x480' photo.image widths='160 320 640' formats='avif webp' -- alt='' %}"
    "{% endfor %}"
)
URLS_PER_PICTURE = 9
COLD_WIDTHS = (640, 960, 1280)
COLD_SIZE = (4000, 3000)


def rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_mb() -> float:
    """This process's peak RSS (VmHWM: unlike ru_maxrss, not inherited across exec)."""
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- warm -------------------------------------------------------------------------


def warm(rounds: int, rows: int) -> list[str]:
    import _warm_site
    import warm_pages

    _warm_site.TEMPLATES["picture"] = PICTURE
    warm_pages.PAGES = ("floor", "picture")
    project = Path(tempfile.mkdtemp(prefix="imagekit-pictures-"))
    warm_pages.build_project(project, rows, [])
    handler = warm_pages.make_handler()
    for _ in range(2):
        for name in warm_pages.PAGES:
            served = warm_pages.serve(handler, name, rows)
            if served.problem:
                sys.exit(f"warm-up: {served.problem}")
    config = warm_pages.Config(rounds=rounds, rows=rows, cold_rounds=0, middleware=[])
    timed, counted = warm_pages.run_rounds(handler, config)
    floor = statistics.median(r.render_s for r in timed["floor"])
    picture = statistics.median(r.render_s for r in timed["picture"])
    per_url_floor = floor / rows
    per_url = picture / (rows * URLS_PER_PICTURE)
    cache = warm_pages.per_page(counted["picture"], "cache")
    storage = warm_pages.per_page(counted["picture"], "storage")
    saves = sum(r.storage.get("save", 0) for r in counted["picture"])
    lines = [
        f"Warm pages, {rows} photos, {rounds} interleaved rounds, through WSGIHandler",
        f"  floor   {{{{ photo.image.url }}}}: render {floor * 1e3:7.2f} ms,"
        f" {per_url_floor * 1e6:6.2f} us per URL",
        f"  picture 3 widths x 3 formats: render {picture * 1e3:7.2f} ms,"
        f" {per_url * 1e6:6.2f} us per URL ({URLS_PER_PICTURE} URLs per photo),"
        f" {picture / rows * 1e6:7.1f} us per picture",
        f"  per URL: {per_url / per_url_floor:.2f} x the floor"
        f" (target <= {limit('picture_url_vs_floor'):g})",
        f"  cache calls per page: {warm_pages.describe(cache)} (target: 1 round trip)",
        f"  storage calls per page: {warm_pages.describe(storage)} (target: url() only)",
    ]
    if saves:
        lines.append(f"  WARNING: {saves} files saved during the counted rounds: not warm")
    return lines


# --- cold (each in a fresh subprocess) -----------------------------------------------------


def _source(path: Path) -> None:
    from _images import photo_texture

    if not path.exists():
        photo_texture(*COLD_SIZE).save(path, "JPEG", quality=90)


def cold_child(kind: str, source: str, workdir: str, runs: int) -> dict:
    """Run in the subprocess: time *kind* *runs* times; return its figures."""
    from PIL import Image

    if kind == "pillow":
        webp = json.loads(os.environ["IMAGEKIT_BENCH_WEBP"])  # imagekit's defaults
        before = rss_mb()
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            with Image.open(source) as image:
                largest = max(COLD_WIDTHS)
                image.draft("RGB", (largest, largest * image.height // image.width))
                image.load()
                for width in COLD_WIDTHS:
                    resized = image.resize(
                        (width, round(width * image.height / image.width)), Image.LANCZOS
                    )
                    resized.save(io.BytesIO(), "JPEG")
                    resized.save(io.BytesIO(), "WEBP", **webp)
            times.append(time.perf_counter() - start)
        return {"best": min(times), "median": statistics.median(times), "before": before}

    import django
    from django.conf import settings

    media = Path(workdir) / "media"
    settings.configure(
        DEBUG=False,
        INSTALLED_APPS=["imagekit"],
        STORAGES={
            "default": {
                "BACKEND": "django.core.files.storage.FileSystemStorage",
                "OPTIONS": {"location": str(media), "base_url": "/media/"},
            }
        },
        CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}},
        IMAGEKIT_CACHE_BACKEND="default",
    )
    django.setup()
    import shutil

    from django.core.cache import cache
    from django.core.files.storage import default_storage

    from imagekit.files import BaseIKFile
    from imagekit.pictures import build_picture

    with open(source, "rb") as handle:
        name = default_storage.save("photos/big.jpg", handle)
    src = BaseIKFile(default_storage)
    src.name = name
    build_picture("4000x3000", src, widths=[16], formats=["webp"])  # imports, warm code paths
    shutil.rmtree(media / "CACHE")
    cache.clear()
    before = rss_mb()
    times = []
    for _ in range(runs):
        shutil.rmtree(media / "CACHE", ignore_errors=True)
        cache.clear()
        start = time.perf_counter()
        pic = build_picture("4000x3000", src, widths=list(COLD_WIDTHS), formats=["webp"])
        times.append(time.perf_counter() - start)
        made = [f for f in pic.all_files if default_storage.exists(f.name)]
        if len(made) != len(COLD_WIDTHS) * 2:
            sys.exit(f"error: the run made {len(made)} of {len(COLD_WIDTHS) * 2} files")
    return {"best": min(times), "median": statistics.median(times), "before": before}


def cold(runs: int) -> list[str]:
    from imagekit.pictures import ENCODER_DEFAULTS  # Django is set up by warm()

    env = {**os.environ, "IMAGEKIT_BENCH_WEBP": json.dumps(ENCODER_DEFAULTS["WEBP"])}
    workdir = Path(tempfile.mkdtemp(prefix="imagekit-pictures-cold-"))
    source = workdir / "source.jpg"
    _source(source)
    results = {}
    for kind in ("pillow", "imagekit", "pillow", "imagekit"):  # interleaved, best of both
        out = subprocess.run(
            [sys.executable, __file__, "--cold-child", kind, str(source), str(workdir), str(runs)],
            check=True,
            capture_output=True,
            text=True,
            env=env,
        )
        figures = json.loads(out.stdout.strip().splitlines()[-1])
        best = results.get(kind)
        if best is None or figures["best"] < best["best"]:
            results[kind] = figures
        results[kind + "-peak"] = max(results.get(kind + "-peak", 0), figures["peak"])
        results[kind + "-growth"] = max(
            results.get(kind + "-growth", 0), figures["peak"] - figures["before"]
        )
    p, k = results["pillow"], results["imagekit"]
    lines = [
        f"Cold: a {COLD_SIZE[0]}x{COLD_SIZE[1]} JPEG to {len(COLD_WIDTHS)} widths "
        f"({' '.join(map(str, COLD_WIDTHS))}) x JPEG and WebP, best of {runs} runs x 2 processes",
        f"  pillow (minimal pipeline): {p['best'] * 1e3:7.1f} ms"
        f" (median {p['median'] * 1e3:.1f}), peak RSS {results['pillow-peak']:.1f} MB"
        f" (+{results['pillow-growth']:.1f} MB over the idle process)",
        f"  imagekit build_picture():  {k['best'] * 1e3:7.1f} ms"
        f" (median {k['median'] * 1e3:.1f}), peak RSS {results['imagekit-peak']:.1f} MB"
        f" (+{results['imagekit-growth']:.1f} MB over the idle process)",
        f"  imagekit / pillow: {k['best'] / p['best']:.2f}"
        f" (target <= {limit('picture_cold_vs_pillow'):g});"
        f" memory for the work: {results['imagekit-growth']:.1f} MB"
        f" (target <= {limit('picture_cold_memory_mb'):g})",
    ]
    return lines


# --- AVIF -----------------------------------------------------------------------------------


def psnr(a, b) -> float:
    from PIL import ImageChops, ImageStat

    diff = ImageChops.difference(a.convert("RGB"), b.convert("RGB"))
    mse = sum(ImageStat.Stat(diff).rms[i] ** 2 for i in range(3)) / 3
    return float("inf") if mse == 0 else 20 * math.log10(255 / math.sqrt(mse))


def avif(runs: int) -> list[str]:
    from _images import photo_texture
    from PIL import Image, ImageFilter

    from imagekit.pictures import ENCODER_DEFAULTS

    image = photo_texture(*COLD_SIZE).resize((1280, 960), Image.LANCZOS)
    rows = []
    for label, options in (("Pillow default", {}), ("imagekit", ENCODER_DEFAULTS["AVIF"])):
        times = []
        for _ in range(runs):
            out = io.BytesIO()
            start = time.perf_counter()
            image.save(out, "AVIF", **options)
            times.append(time.perf_counter() - start)
        decoded = Image.open(io.BytesIO(out.getvalue()))
        rows.append((label, options, min(times), len(out.getvalue()), psnr(image, decoded)))
    (_, _, t0, s0, _), (_, _, t1, s1, _) = rows
    lines = [f"AVIF 1280x960, best of {runs}:"]
    for label, options, best, size, quality in rows:
        lines.append(
            f"  {label:15} {options or '(quality 75, speed 6)'}: {best * 1e3:7.1f} ms,"
            f" {size / 1024:7.1f} KiB, PSNR {quality:.2f} dB"
        )
    lines.append(
        f"  imagekit / default: time {t1 / t0:.2f} (target <= {limit('avif_time_vs_default'):g}),"
        f" size {s1 / s0:.3f} (target within {limit('avif_size_within_pct'):g} %)"
    )
    lines.append("Every format at imagekit's defaults, 1280x960 (the docs' table):")
    smooth = image.filter(ImageFilter.GaussianBlur(1.5))  # less grain: closer to a photo
    for label, picture in (("textured", image), ("smoothed", smooth)):
        for fmt, options in (("JPEG", {}), *ENCODER_DEFAULTS.items()):
            times = []
            for _ in range(runs):
                out = io.BytesIO()
                start = time.perf_counter()
                picture.save(out, fmt, **options)
                times.append(time.perf_counter() - start)
            decoded = Image.open(io.BytesIO(out.getvalue()))
            lines.append(
                f"  {label} {fmt:5} {options or '(Pillow default, quality 75)'}:"
                f" {min(times) * 1e3:7.1f} ms, {len(out.getvalue()) / 1024:7.1f} KiB,"
                f" PSNR {psnr(picture, decoded):.2f} dB"
            )
    return lines


def main(argv: list[str]) -> int:
    if argv[:1] == ["--cold-child"]:
        kind, source, workdir, runs = argv[1:5]
        figures = cold_child(kind, source, workdir, int(runs))
        figures["peak"] = peak_mb()
        print(json.dumps(figures))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="10 rounds, 2 cold runs")
    parser.add_argument("--rounds", type=int, help="warm interleaved rounds (50; 10 quick)")
    parser.add_argument("--rows", type=int, default=50, help="photos per warm page (50)")
    parser.add_argument("--cold-runs", type=int, help="runs per cold process (4; 2 quick)")
    args = parser.parse_args(argv)
    rounds = args.rounds or (10 if args.quick else 50)
    runs = args.cold_runs or (2 if args.quick else 4)
    print(f"command: {' '.join([Path(sys.executable).name, *sys.argv])}")
    lines = warm(rounds, args.rows)  # first: it sets Django up
    lines += cold(runs) + avif(runs)
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
