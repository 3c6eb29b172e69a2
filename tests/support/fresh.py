"""Run Python in a fresh interpreter and read the JSON line it prints last."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]


def run_json(args: list[str], data: bytes = b"") -> Any:
    """Run ``python *args*`` from the repository root with *data* on stdin.

    Fails the test with the child's stderr if it exits non-zero; otherwise
    returns the last line of its stdout, parsed as JSON.
    """
    completed = subprocess.run(
        [sys.executable, *args],
        input=data,
        capture_output=True,
        cwd=REPO_ROOT,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr.decode()
    return json.loads(completed.stdout.decode().strip().splitlines()[-1])
