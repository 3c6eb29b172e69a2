"""``scripts/demo.py --no-serve`` sets the demo up, and running it again changes nothing."""

from __future__ import annotations

import os
import subprocess
import sys

from .conftest import REPO_ROOT


def run_demo_setup(state_dir):
    env = dict(os.environ)
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env["IMAGEKIT_EXAMPLE_STATE_DIR"] = str(state_dir)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [env.get("PYTHONPATH"), str(REPO_ROOT)]))
    result = subprocess.run(
        [sys.executable, "scripts/demo.py", "--no-serve", "--no-venv"],
        cwd=REPO_ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_demo_setup_can_run_again_without_changing_anything(tmp_path):
    first = run_demo_setup(tmp_path)
    assert first.count("Created '") == 4
    assert "12 generated, 0 already existed, 0 failed" in first
    assert "Admin login: username admin, password " in first

    again = run_demo_setup(tmp_path)
    assert "Created '" not in again
    assert again.count("Kept    '") == 4
    assert "0 generated, 12 already existed, 0 failed" in again
    assert "Reset the superuser 'admin'." in again
