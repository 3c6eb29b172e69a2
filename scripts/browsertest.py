#!/usr/bin/env python3
"""Run the browser test: the example site in a real headless Chromium.

Usage: python3 scripts/browsertest.py [pytest arguments...]

Like scripts/test.py, this installs the project into ``.venv`` on first use,
here with the ``test`` and ``browser`` (Selenium) extras. Chromium itself
comes from Debian: install it with ``scripts/ci/install_chromium.sh`` (as
root). The test starts the example project with ``scripts/demo.py`` on a free
port, against a temporary database and media folder, and saves screenshots to
``artifacts/screenshots/`` (their paths are printed at the end).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from _venv import REPO_ROOT, ensure_installed

REQUIRED = (Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver"))


def main(argv: list[str]) -> int:
    missing = [str(path) for path in REQUIRED if not path.exists()]
    if missing:
        print(
            f"error: {', '.join(missing)} not found; run: sudo bash scripts/ci/install_chromium.sh",
            file=sys.stderr,
        )
        return 1
    python = ensure_installed(extras="test,browser")
    env = {**os.environ, "IMAGEKIT_BROWSER_TESTS": "1"}
    command = [str(python), "-m", "pytest", "tests/browser", *argv]
    return subprocess.run(command, cwd=REPO_ROOT, env=env, check=False).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
