"""The example project (``example/``, run by ``scripts/demo.py``) stays consistent.

The project runs in a subprocess with its own settings, against a temporary
database and media folder (``IMAGEKIT_EXAMPLE_STATE_DIR``). The browser test
(tests/browser/) covers the site itself.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_DIR = REPO_ROOT / "example"
IMAGEKIT_PARENT = Path(importlib.util.find_spec("imagekit").origin).resolve().parent.parent


def manage(state_dir: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env.pop("DJANGO_SETTINGS_MODULE", None)  # the example has its own settings
    env["IMAGEKIT_EXAMPLE_STATE_DIR"] = str(state_dir)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(IMAGEKIT_PARENT), env.get("PYTHONPATH")]))
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=EXAMPLE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_example_migrations_match_its_models(tmp_path):
    result = manage(tmp_path, "makemigrations", "--check", "--dry-run")
    assert result.returncode == 0, result.stdout + result.stderr


def test_example_passes_the_system_checks(tmp_path):
    result = manage(tmp_path, "check", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
