#!/usr/bin/env python3
"""Benchmark imagekit against django-imagekit 6.1.1, side by side.

Usage: python3 benchmarks/run.py [--quick] [--rounds N] [--workdir DIR] [--json FILE]

Only the standard library is needed to start it. On first use it creates two
virtual environments in the repository root (ignored by git):

- ``.venv-bench-ours``: this project, installed in editable mode, so the
  working tree is what gets measured;
- ``.venv-bench-imagekit``: ``django-imagekit==6.1.1``,

with the same Django 5.2.x, Pillow, pilkit and django-appconf versions in
both (whatever pip resolves for ours is pinned in the other). It builds its
own test images (cached in the work folder), then runs ``_workload.py`` in
each environment as a subprocess, alternating which implementation goes first
from one round to the next, and prints a table of medians with ours/ImageKit
ratios. ``--quick`` is a smoke run (fewer and smaller cases, two rounds, well
under two minutes once the environments exist). Nothing here asserts a time:
this is a benchmark, not a test.

The parts: ``environments.py`` (the two virtual environments), ``rounds.py``
(what runs, in which order), ``report.py`` (the tables) and ``targets.py``
(every target, in one table).
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import tempfile
import time
from pathlib import Path

from environments import OURS, ensure_environments, source_state
from report import report
from rounds import Config, Runner, build_images, run_benchmarks


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run: fewer, smaller cases")
    parser.add_argument("--rounds", type=int, help="rounds (default 5, or 2 with --quick)")
    parser.add_argument(
        "--workdir",
        type=Path,
        default=Path(tempfile.gettempdir()) / "imagekit-bench",
        help="where images, projects and results go (default: %(default)s)",
    )
    parser.add_argument("--json", type=Path, help="also write every raw result to this file")
    parser.add_argument(
        "--report", type=Path, metavar="JSON", help="only print the table of an earlier run's JSON"
    )
    args = parser.parse_args(argv)
    if args.report:
        raw = json.loads(args.report.read_text())
        config = Config(**raw["config"])
        runner = Runner({}, args.workdir, config.timeout, errors=raw.get("errors", []))
        runner.results = raw["results"]
        elapsed, tree = raw.get("elapsed", 0.0), raw.get("tree", {})
        print(report(config, runner, raw["extra"], raw["command"], elapsed, tree))
        return 0

    config = Config.make(args.quick, args.rounds)
    command = shlex.join(["python3", "benchmarks/run.py", *argv])
    started = time.monotonic()
    tree = {"start": source_state()}
    pythons = ensure_environments()
    args.workdir.mkdir(parents=True, exist_ok=True)
    specs = sorted({*config.cold_cases, config.page_source, config.gi_source})
    images = build_images(pythons[OURS], specs, args.workdir / "images")
    runner = Runner(pythons, args.workdir, config.timeout)
    extra = run_benchmarks(config, runner, images)
    elapsed = time.monotonic() - started
    tree["end"] = source_state()
    text = report(config, runner, extra, command, elapsed, tree)
    raw = {"command": command, "elapsed": elapsed, "config": config.__dict__, "images": images}
    raw["tree"] = tree
    raw.update(extra=extra, results=runner.results, errors=runner.errors)
    raw_path = args.json or args.workdir / ("results-quick.json" if args.quick else "results.json")
    raw_path.write_text(json.dumps(raw, indent=1))
    print(text)
    print(f"\nraw results: {raw_path}")
    # Loud: a workload that failed (such as a cold repeat that generated
    # nothing) is listed above and makes the run fail.
    return 1 if runner.errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
