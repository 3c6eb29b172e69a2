"""The rounds of ``run.py``: what it runs, in which order, in which environment.

A run builds the test images and the page and generateimages projects once,
then repeats rounds, alternating which implementation goes first: in each,
every cold case (ours, ImageKit, then Pillow alone as ``draft``), the warm and
fresh pages, the import, and generateimages. Each workload is one
``_workload.py`` process in the implementation's environment; its JSON result
is kept under a key (``cold:jpeg-640x480``, ``warm``, ...) for the report.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from environments import DRAFT, OURS, THEIRS, log

BENCH_DIR = Path(__file__).resolve().parent
WORKLOAD = BENCH_DIR / "_workload.py"
IMAGES = BENCH_DIR / "_images.py"

KINDS = ("thumbnail", "thumbnail-as", "generateimage", "descriptor")


@dataclass
class Config:
    quick: bool
    rounds: int
    cold_cases: list[str]
    page_photos: int = 100
    renders: int = 20
    loads: int = 50
    gi_photos: int = 200
    gi_source: str = "jpeg:1280x960"
    page_source: str = "jpeg:640x480"
    timeout: int = 600

    @classmethod
    def make(cls, quick: bool, rounds: int | None) -> Config:
        if quick:
            return cls(
                quick=True,
                rounds=rounds or 2,
                cold_cases=[
                    "jpeg:640x480",
                    "jpeg:1920x1080",
                    "png-rgba:1920x1080",
                    "jpeg-cmyk:1920x1080",
                    "jpeg-exif6:1920x1080",
                ],
                renders=5,
                loads=10,
                gi_photos=50,
                gi_source="jpeg:640x480",
            )
        return cls(
            quick=False,
            rounds=rounds or 5,
            cold_cases=[
                "jpeg:640x480",
                "jpeg:1920x1080",
                "jpeg:4000x3000",
                "jpeg:8000x6000",
                "png-rgba:1920x1080",
                "jpeg-cmyk:1920x1080",
                "jpeg-exif6:4000x3000",
            ],
        )


def case_name(spec: str) -> str:
    kind, _, dims = spec.partition(":")
    return f"{kind}-{dims}"


def pixel_count(spec: str) -> int:
    width, height = (int(v) for v in spec.partition(":")[2].split("x"))
    return width * height


def repeats_for(spec: str, quick: bool) -> int:
    """Cold generations per process: more for small images, fewer for large."""
    pixels = pixel_count(spec)
    if pixels <= 2_100_000:
        return 3 if quick else 5
    return 3 if pixels <= 12_000_000 else 2


@dataclass
class Runner:
    pythons: dict[str, Path]
    workdir: Path
    timeout: int
    errors: list[str] = field(default_factory=list)
    results: dict[str, list[dict]] = field(default_factory=dict)
    _count: int = 0

    def run(self, impl: str, params: dict, key: str | None = None) -> dict:
        """Run one workload in *impl*'s environment; record it under *key*."""
        python = self.pythons[OURS if impl == DRAFT else impl]
        self._count += 1
        result_path = self.workdir / f"result-{os.getpid()}.json"
        result_path.unlink(missing_ok=True)
        params = {**params, "result": str(result_path)}
        # -I: no PYTHON* variables (PYTHONPATH could shadow either imagekit, and
        # PYTHONDONTWRITEBYTECODE would leave the editable tree without the
        # bytecode that pip compiled for ImageKit), no script folder on sys.path.
        command = [str(python), "-I", str(WORKLOAD), json.dumps(params)]
        try:
            proc = subprocess.run(
                command,
                cwd=self.workdir,
                capture_output=True,
                text=True,
                timeout=self.timeout,
                check=False,
            )
            stderr = proc.stderr
        except subprocess.TimeoutExpired:
            stderr = f"timed out after {self.timeout} s"
        try:
            result = json.loads(result_path.read_text())
        except (OSError, ValueError):
            result = {"error": f"no result; stderr:\n{stderr[-3000:]}"}
        problem = result.get("error")
        if problem:
            where = f"{impl} {params['mode']} {key or ''}".strip()
            first = problem.strip().splitlines()[-1] if problem.strip() else problem
            log(f"  ! {where}: {first}")
            self.errors.append(f"{where}: {problem.strip()}")
        if key is not None:
            self.results.setdefault(f"{impl}|{key}", []).append(result)
        return result

    def get(self, impl: str, key: str) -> list[dict]:
        return [r for r in self.results.get(f"{impl}|{key}", []) if not r.get("error")]


def build_images(python: Path, specs: list[str], image_dir: Path) -> dict[str, dict]:
    log(f"Test images in {image_dir}")
    result = subprocess.run(
        [str(python), "-I", str(IMAGES), "build", str(image_dir), *specs],
        stdout=subprocess.PIPE,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        sys.exit("error: building the test images failed")
    return json.loads(result.stdout)


def compare_images(python: Path, pairs: list[list[str]], workdir: Path) -> list[float | None]:
    pairs_file = workdir / "psnr-pairs.json"
    pairs_file.write_text(json.dumps(pairs))
    result = subprocess.run(
        [str(python), "-I", str(IMAGES), "psnr", str(pairs_file)],
        stdout=subprocess.PIPE,
        text=True,
        check=False,
    )
    return json.loads(result.stdout) if result.returncode == 0 else [None] * len(pairs)


def build_projects(config: Config, runner: Runner, images: dict[str, dict]) -> None:
    """The page and generateimages projects of each implementation (once per run)."""
    log("Building the page and generateimages projects")
    page_source = images[case_name(config.page_source)]["path"]
    gi_source = images[case_name(config.gi_source)]["path"]
    for impl in (OURS, THEIRS):
        page = str(runner.workdir / impl / "page")
        params = {"mode": "build", "project": page, "photos": config.page_photos}
        runner.run(impl, {**params, "source": page_source}, key="build")
        params = {"mode": "gi-build", "project": str(runner.workdir / impl / "gi")}
        params.update(photos=config.gi_photos, source=gi_source)
        runner.run(impl, params, key="gi-build")
        # Byte-compile and warm the OS caches before anything is timed.
        runner.run(impl, {"mode": "import", "project": page})


def round_cold(config: Config, runner: Runner, images: dict[str, dict], order: list[str]) -> None:
    for spec in config.cold_cases:
        name = case_name(spec)
        image = images[name]
        for impl in [*order, DRAFT]:
            params = {
                "mode": "draft" if impl == DRAFT else "cold",
                "project": str(runner.workdir / impl / "cold"),
                "case": name,
                "source": image["path"],
                "reference_raw": image["reference_raw"],
                "reference_jpeg": image["reference_jpeg"],
                "repeats": repeats_for(spec, config.quick),
                "keep": str(runner.workdir / "outputs" / f"{impl}-{name}.jpg"),
            }
            runner.run(impl, params, key=f"cold:{name}")


def round_pages(config: Config, runner: Runner, order: list[str]) -> None:
    def params(impl: str, mode: str) -> dict:
        project = str(runner.workdir / impl / "page")
        return {"mode": mode, "project": project, "photos": config.page_photos}

    for impl in order:
        extra = {"renders": config.renders, "loads": config.loads}
        runner.run(impl, {**params(impl, "warm"), **extra}, key="warm")
    for cache in ("file", "locmem"):
        for kind in KINDS:
            for impl in order:
                extra = {"kind": kind, "cache": cache}
                runner.run(impl, {**params(impl, "fresh"), **extra}, key=f"fresh:{cache}:{kind}")
    for impl in order:
        runner.run(impl, params(impl, "import"), key="import")


def round_generateimages(config: Config, runner: Runner, order: list[str], flip: bool) -> None:
    variants = {OURS: [["--jobs", "2"], ["--jobs", "1"]], THEIRS: [[]]}
    for impl in order:
        for args in variants[impl][::-1] if flip else variants[impl]:
            params = {"mode": "gi", "project": str(runner.workdir / impl / "gi"), "args": args}
            runner.run(impl, {**params, "photos": config.gi_photos}, key="gi:" + " ".join(args))


def run_benchmarks(config: Config, runner: Runner, images: dict[str, dict]) -> dict:
    outputs = runner.workdir / "outputs"
    outputs.mkdir(exist_ok=True)
    build_projects(config, runner, images)
    for round_index in range(config.rounds):
        order = [OURS, THEIRS] if round_index % 2 == 0 else [THEIRS, OURS]
        started = time.monotonic()
        log(f"Round {round_index + 1}/{config.rounds}: {order[0]} first")
        round_cold(config, runner, images, order)
        round_pages(config, runner, order)
        round_generateimages(config, runner, order, flip=bool(round_index % 2))
        log(f"  round took {time.monotonic() - started:.0f} s")

    names = [case_name(spec) for spec in config.cold_cases]
    pairs = [[str(outputs / f"{OURS}-{n}.jpg"), str(outputs / f"{THEIRS}-{n}.jpg")] for n in names]
    values = compare_images(runner.pythons[OURS], pairs, runner.workdir)
    return {"psnr_ours_vs_imagekit": dict(zip(names, values, strict=True))}
