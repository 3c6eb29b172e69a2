#!/usr/bin/env python3
"""Set up the example project and serve it on http://127.0.0.1:8000/.

Usage: python3 scripts/demo.py [--no-serve] [--port PORT] [--no-venv]

On first use this creates ``.venv`` in the repository root with the running
interpreter and installs the project in editable mode. Then it migrates the
example project's database, draws the sample photos with Pillow, generates
their images with ``generateimages``, creates the superuser ``admin`` and
serves the site with Django's development server until you press Ctrl+C.

Every step can run again: the database and media folder in ``example/`` are
reused, no photo is added twice, no image is generated twice, and the admin
password is reset to the one printed. ``--no-serve`` stops after the setup
(for CI and tests). ``--no-venv`` uses the running interpreter, which must
already have the project installed, instead of ``.venv``.

The environment variable ``IMAGEKIT_EXAMPLE_STATE_DIR`` moves the database
and the media folder elsewhere (the browser test uses a temporary folder).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

from _venv import REPO_ROOT, ensure_installed

EXAMPLE_DIR = REPO_ROOT / "example"
HOST = "127.0.0.1"
DEFAULT_PORT = 8000

# The setup, in order. Each is idempotent.
SETUP_COMMANDS = [
    ["migrate", "--no-input"],
    ["loadsamples", "--no-report"],
    # The progress bar shows on a terminal; logs and pipes get one line per file.
    ["generateimages", "--progress", "auto", "--jobs", "2"],
    ["demoadmin"],
]


def manage(python: Path, *args: str) -> None:
    """Run ``manage.py`` of the example project; exit if it fails."""
    print(f"\n$ python manage.py {' '.join(args)}", flush=True)
    result = subprocess.run([str(python), "manage.py", *args], cwd=EXAMPLE_DIR, check=False)
    if result.returncode != 0:
        print(f"error: manage.py {args[0]} exited with {result.returncode}", file=sys.stderr)
        sys.exit(result.returncode)


def serve(python: Path, port: int) -> int:
    """Run the development server until it stops; return its exit status."""
    url = f"http://{HOST}:{port}/"
    print(
        "\nServing the example project (press Ctrl+C to stop):\n"
        f"  gallery   {url}\n"
        f"  pictures  {url}pictures/\n"
        f"  upload    {url}upload/\n"
        f"  admin     {url}admin/  (the login is printed above)",
        flush=True,
    )
    # --noreload: one process, so Ctrl+C (or a test stopping this script)
    # stops everything, and nothing restarts behind the caller's back.
    command = [str(python), "manage.py", "runserver", f"{HOST}:{port}", "--noreload"]
    server = subprocess.Popen(command, cwd=EXAMPLE_DIR)
    try:
        return server.wait()
    except KeyboardInterrupt:
        server.terminate()
        server.wait()
        print("\nStopped.")
        return 0


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--no-serve", action="store_true", help="set everything up, then exit without serving"
    )
    parser.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help=f"port to serve on (default {DEFAULT_PORT})"
    )
    parser.add_argument(
        "--no-venv",
        action="store_true",
        help="use this interpreter (with the project installed) instead of .venv",
    )
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    python = Path(sys.executable) if args.no_venv else ensure_installed()
    state_dir = os.environ.get("IMAGEKIT_EXAMPLE_STATE_DIR")
    if state_dir:
        print(f"Database and media folder: {state_dir} (IMAGEKIT_EXAMPLE_STATE_DIR)")
    for command in SETUP_COMMANDS:
        manage(python, *command)
    if args.no_serve:
        print(f"\nDemo ready. Serve it with: python3 scripts/demo.py (http://{HOST}:{args.port}/)")
        return 0
    return serve(python, args.port)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
