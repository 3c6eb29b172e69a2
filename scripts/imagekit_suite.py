#!/usr/bin/env python3
"""Run django-imagekit's own test suite against this package.

Usage: python scripts/imagekit_suite.py [pytest arguments...]

Meant to run inside a tox environment (``tox run -e imagekit-suite-django52``
or ``-e imagekit-suite-django61``) that has our wheel installed together with
the suite's test dependencies (beautifulsoup4, Pillow, pytest,
pytest-django), and django-imagekit itself *not* installed.

The script downloads the django-imagekit sdist with pip, extracts only its
``tests/`` folder into a temporary directory, draws the ``reference.png``
photo that the sdist leaves out, and runs pytest there, in this process, with
that directory as the root and working directory: ``tests`` is then
django-imagekit's test package, ``tests.settings`` its settings and
``imagekit.db`` its database, while ``imagekit`` is ours. Before any test
runs, a plugin checks where every ``imagekit`` and ``tests`` module came from:
ours from the install (or the work tree, for an editable install), theirs
from the temporary folder.

The last line printed reads ``imagekit-suite: N passed, N failed, N skipped``
(errors count as failures); the exit status is pytest's.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import traceback
from pathlib import Path

import django
import pytest
from PIL import Image

REPO_ROOT = Path(__file__).resolve().parent.parent

SUITE_PROJECT = "django-imagekit"
SUITE_VERSION = "6.1.1"
# The distribution names of ours and of the project whose tests we borrow.
OUR_DISTRIBUTION = "imagekit"

# The sdist's own [tool.pytest.ini_options], repeated because only its tests/
# folder is used; testpaths spares callers from naming it. The file also
# makes the suite folder pytest's rootdir, so no configuration further up the
# tree is picked up.
PYTEST_INI = """\
[pytest]
DJANGO_SETTINGS_MODULE = tests.settings
django_find_project = false
testpaths = tests
"""

# tests/utils.py opens MEDIA_ROOT/reference.png (Lenna, which the sdist does
# not ship: the photo is not free). Any RGB image of the same size will do.
REFERENCE_SIZE = (512, 512)

SUMMARY_PREFIX = "imagekit-suite:"


class SuiteError(Exception):
    """The suite could not be set up, or would not test our package."""


def _check_not_installed(project: str) -> None:
    """Fail if *project* is installed in this environment."""
    try:
        dist = importlib.metadata.distribution(project)
    except importlib.metadata.PackageNotFoundError:
        pass
    else:
        raise SuiteError(f"{project} {dist.version} is installed; the suite must test ours alone")
    # The same question through pip, which is what a person would ask.
    result = subprocess.run(
        [sys.executable, "-m", "pip", "show", project],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode == 0:
        raise SuiteError(f"`pip show {project}` finds it installed:\n{result.stdout}")


def _our_package_dirs() -> list[Path]:
    """Return the folders our ``imagekit`` package may be imported from.

    That is the work tree (an editable install) and, for a regular install
    such as tox's wheel, the folder where our distribution put the package.
    """
    dirs = [REPO_ROOT / "imagekit"]
    try:
        dist = importlib.metadata.distribution(OUR_DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError as exc:
        raise SuiteError(f"our package ({OUR_DISTRIBUTION}) is not installed") from exc
    if any(str(file) == "imagekit/__init__.py" for file in dist.files or ()):
        dirs.append(Path(dist.locate_file("imagekit")).resolve())
    return dirs


def _is_within(path: str | None, folders: list[Path]) -> bool:
    if path is None:
        return False
    resolved = Path(path).resolve()
    return any(resolved.is_relative_to(folder) for folder in folders)


def fetch_suite(work_dir: Path) -> Path:
    """Download the sdist into *work_dir* and extract its ``tests/`` alone.

    Return the folder holding ``tests/``. The sdist's ``imagekit/`` package is
    never written to disk, so nothing can import it.
    """
    download_dir = work_dir / "download"
    command = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--quiet",
        "--no-deps",
        "--no-binary",
        ":all:",
        f"{SUITE_PROJECT}=={SUITE_VERSION}",
        "-d",
        str(download_dir),
    ]
    print(f"$ {' '.join(command[1:])}", flush=True)
    subprocess.run(command, check=True)
    (sdist,) = download_dir.glob("*.tar.gz")
    print(f"{SUMMARY_PREFIX} downloaded {sdist.name}", flush=True)

    top = f"{SUITE_PROJECT.replace('-', '_')}-{SUITE_VERSION}"
    extract_dir = work_dir / "sdist"
    with tarfile.open(sdist) as archive:
        members = [
            member for member in archive.getmembers() if member.name.startswith(f"{top}/tests/")
        ]
        if not members:
            raise SuiteError(f"{sdist.name} has no {top}/tests/ folder")
        # The "data" filter refuses absolute paths, links out of the folder
        # and device files (Python 3.10.12+, 3.11.4+).
        filter_kwargs = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
        archive.extractall(extract_dir, members=members, **filter_kwargs)
    suite_dir = extract_dir / top
    found = sorted(path.name for path in suite_dir.iterdir())
    if found != ["tests"]:
        raise SuiteError(f"expected only tests/ in {suite_dir}, found {found}")
    return suite_dir


def prepare_suite(suite_dir: Path) -> None:
    """Add what the sdist leaves out: the reference photo and pytest's settings."""
    media = suite_dir / "tests" / "media"
    media.mkdir(exist_ok=True)
    ramp = Image.linear_gradient("L").resize(REFERENCE_SIZE)
    flat = Image.new("L", REFERENCE_SIZE, 128)
    Image.merge("RGB", (ramp, ramp.rotate(90), flat)).save(media / "reference.png")
    (suite_dir / "pytest.ini").write_text(PYTEST_INI)


class SuiteSession:
    """A pytest plugin: check where modules came from, and tally the outcomes."""

    def __init__(self, suite_dir: Path, our_dirs: list[Path]) -> None:
        self.suite_tests = [suite_dir / "tests"]
        self.our_dirs = our_dirs
        # Why no test ran, if none did.
        self.aborted: str | None = None
        self.counts: dict[str, int] = {}
        self.failures: list[str] = []

    def _strays(self) -> list[str]:
        strays = []
        for name, module in sorted(sys.modules.items()):
            top = name.partition(".")[0]
            if top not in {"imagekit", "tests"}:
                continue
            allowed = self.our_dirs if top == "imagekit" else self.suite_tests
            path = getattr(module, "__file__", None)
            if not _is_within(path, allowed):
                strays.append(f"{name} from {path}")
        return strays

    @pytest.hookimpl(trylast=True)
    def pytest_collection_finish(self, session: pytest.Session) -> None:
        # By now Django is set up and every test module is imported, so every
        # imagekit and tests module that the suite uses is in sys.modules.
        if "imagekit" not in sys.modules:
            self.aborted = "imagekit was never imported"
        elif strays := self._strays():
            self.aborted = "modules imported from the wrong place:\n  " + "\n  ".join(strays)
        if self.aborted:
            pytest.exit(self.aborted, returncode=pytest.ExitCode.USAGE_ERROR)
        print(f"\n{SUMMARY_PREFIX} imagekit imported from {sys.modules['imagekit'].__file__}")

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        stats = terminalreporter.stats
        self.counts = {
            key: len(stats.get(key, ())) for key in ("passed", "failed", "error", "skipped")
        }
        self.failures = [
            report.nodeid for key in ("failed", "error") for report in stats.get(key, ())
        ]


def run_suite(suite_dir: Path, pytest_args: list[str]) -> tuple[int, SuiteSession]:
    """Run pytest in *suite_dir*; return its exit status and the session's tally."""
    plugin = SuiteSession(suite_dir, _our_package_dirs())
    sys.path.insert(0, str(suite_dir))
    previous_cwd = Path.cwd()
    os.chdir(suite_dir)  # tests.settings puts imagekit.db in the working directory
    try:
        status = pytest.main(
            ["--rootdir", str(suite_dir), "-p", "no:cacheprovider", "-ra", *pytest_args],
            plugins=[plugin],
        )
    except Exception:  # noqa: BLE001
        # pytest.main() reports errors in tests and conftests itself, but not
        # one raised while pytest-django sets Django up (our package failing
        # to import, say): show it, and still print the summary.
        traceback.print_exc()
        status = pytest.ExitCode.INTERNAL_ERROR
        plugin.aborted = "pytest could not start (see the traceback above)"
    finally:
        os.chdir(previous_cwd)
    return int(status), plugin


def _isolate_from_work_tree() -> None:
    """Take the work tree off ``sys.path``.

    ``sys.path[0]`` is scripts/ (``python scripts/imagekit_suite.py``), and
    with the work tree itself on the path (PYTHONPATH, say) our ``tests``
    package would stand in for theirs, and our ``imagekit.egg-info`` for the
    installed metadata. Our ``imagekit`` stays importable through the install.
    """
    repo_paths = {REPO_ROOT, REPO_ROOT / "scripts"}
    sys.path[:] = [
        entry for entry in sys.path if Path(entry or os.curdir).resolve() not in repo_paths
    ]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        description=f"Run {SUITE_PROJECT} {SUITE_VERSION}'s tests against our imagekit.",
        epilog="Other arguments go to pytest (paths are relative to the sdist: tests/...).",
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the temporary folder and print its path"
    )
    options, pytest_args = parser.parse_known_args(argv)

    started = time.monotonic()
    _isolate_from_work_tree()
    _check_not_installed(SUITE_PROJECT)
    work_dir = Path(tempfile.mkdtemp(prefix="imagekit-suite-"))
    try:
        suite_dir = fetch_suite(work_dir)
        prepare_suite(suite_dir)
        status, session = run_suite(suite_dir, pytest_args)
    finally:
        if options.keep:
            print(f"{SUMMARY_PREFIX} kept {work_dir}")
        else:
            shutil.rmtree(work_dir)

    elapsed = time.monotonic() - started
    versions = f"Django {django.get_version()}, Python {sys.version.split()[0]}"
    print(
        f"\n{SUMMARY_PREFIX} {SUITE_PROJECT} {SUITE_VERSION}'s tests on {versions}:"
        f" {elapsed:.0f} s, pytest exit status {status}"
    )
    if session.aborted:
        print(f"{SUMMARY_PREFIX} no test ran: {session.aborted}")
        return status or pytest.ExitCode.INTERNAL_ERROR
    for nodeid in session.failures:
        print(f"{SUMMARY_PREFIX} FAILED {nodeid}")
    counts = session.counts
    # One plain "N passed, N failed, N skipped" line, errors counted as failures.
    print(
        f"{SUMMARY_PREFIX} {counts.get('passed', 0)} passed,"
        f" {counts.get('failed', 0) + counts.get('error', 0)} failed,"
        f" {counts.get('skipped', 0)} skipped"
    )
    return status


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except (SuiteError, subprocess.CalledProcessError) as exc:
        print(f"{SUMMARY_PREFIX} error: {exc}", file=sys.stderr)
        sys.exit(1)
