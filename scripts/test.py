#!/usr/bin/env python3
"""Run the imagekit test suite.

Usage: python3 scripts/test.py [pytest arguments...]

On first use this creates ``.venv`` in the repository root with the running
interpreter and installs the project with its ``test`` extra in editable
mode; later runs reinstall only when the packaging metadata changed. Then it
runs pytest with the given arguments and exits with pytest's status.
"""

from __future__ import annotations

import subprocess
import sys

from _venv import REPO_ROOT, ensure_installed


def main(argv: list[str]) -> int:
    python = ensure_installed(extras="test")
    command = [str(python), "-m", "pytest", *argv]
    return subprocess.run(command, cwd=REPO_ROOT, check=False).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
