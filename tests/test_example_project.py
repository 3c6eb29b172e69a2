"""The example project (``example/``, run by ``scripts/demo.py``) stays consistent.

The project runs in a subprocess with its own settings, against a temporary
database and media folder (``IMAGEKIT_EXAMPLE_STATE_DIR``). The browser test
(tests/browser/) covers the site itself. The README's Quick start, which
tells a newcomer how to run the demo and what it serves, is checked here too.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_DIR = REPO_ROOT / "example"
IMAGEKIT_PARENT = Path(importlib.util.find_spec("imagekit").origin).resolve().parent.parent
README = REPO_ROOT / "README.rst"


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


def quick_start() -> str:
    """The text of the README's "Quick start" section, up to the next title."""
    text = README.read_text()
    section = re.search(r"^Quick start\n-+\n(.*?)\n\S[^\n]*\n[-=~]+\n", text, re.S | re.M)
    assert section, "README.rst has no Quick start section"
    return section.group(1)


def test_readme_quick_start_runs_the_demo_then_the_whole_test_suite():
    commands = [line.strip() for line in quick_start().splitlines()]
    commands = [line for line in commands if line.startswith("$ ")]
    assert commands == ["$ python3 scripts/demo.py", "$ python3 scripts/test.py"]


def test_readme_quick_start_names_every_page_the_demo_serves(tmp_path):
    # The pages of the example's URLconf written with path(); the media files
    # (static(), a regular expression) are not pages.
    listing = (
        "from django.urls.resolvers import RoutePattern\n"
        "from exampleproject.urls import urlpatterns\n"
        "for entry in urlpatterns:\n"
        "    if isinstance(entry.pattern, RoutePattern):\n"
        "        print('page /' + str(entry.pattern))\n"
    )
    result = manage(tmp_path, "shell", "--no-startup", "-c", listing)
    assert result.returncode == 0, result.stdout + result.stderr
    pages = [line.split()[1] for line in result.stdout.splitlines() if line.startswith("page ")]
    assert "/pictures/" in pages, pages
    text = quick_start()
    unnamed = [page for page in pages if f"``{page}``" not in text]
    assert unnamed == [], f"the README's Quick start does not describe {unnamed}"
