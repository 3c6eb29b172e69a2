#!/usr/bin/env python3
"""Run the example project: migrate, load sample photos, show their thumbnails.

Usage: python3 scripts/demo.py

On first use this creates ``.venv`` in the repository root with the running
interpreter and installs the project in editable mode. Running it again reuses
the database and media folder in ``example/`` and adds no duplicate photos.
To browse the result afterwards::

    .venv/bin/python example/manage.py runserver
"""

from __future__ import annotations

import subprocess
import sys

from _venv import REPO_ROOT, ensure_installed

EXAMPLE_DIR = REPO_ROOT / "example"


def manage(python, *args: str) -> None:
    """Run ``manage.py`` of the example project; exit if it fails."""
    print(f"\n$ python manage.py {' '.join(args)}", flush=True)
    result = subprocess.run([str(python), "manage.py", *args], cwd=EXAMPLE_DIR, check=False)
    if result.returncode != 0:
        print(f"error: manage.py {args[0]} exited with {result.returncode}", file=sys.stderr)
        sys.exit(result.returncode)


def main() -> int:
    python = ensure_installed()
    manage(python, "migrate", "--no-input")
    manage(python, "loadsamples")
    print("\nDemo finished. Browse it with: .venv/bin/python example/manage.py runserver")
    return 0


if __name__ == "__main__":
    sys.exit(main())
