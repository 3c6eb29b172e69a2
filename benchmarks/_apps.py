"""Where the benchmarks' Django apps live: real modules, checked by ruff.

Each benchmark project installs one app labelled ``benchapp``, kept in
``apps/<name>/benchapp/``: :func:`use_app` puts ``apps/<name>`` first on
``sys.path``, so ``benchapp`` (its models) imports from there. The counting
backends come from ``tests/support/counting.py``: :func:`use_app` also makes
the repository's ``tests`` package importable, without putting the repository
root on ``sys.path``. That would let the working tree's ``imagekit`` (and its
``imagekit.egg-info``, which ``importlib.metadata`` reads) into the reference
environment of ``run.py``, where django-imagekit 6.1.1 must be the only one.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
APPS = BENCH_DIR / "apps"

#: The counting backends, for ``STORAGES`` and ``CACHES``.
COUNTING = "tests.support.counting"


def use_app(name: str) -> None:
    """Make ``apps/<name>/benchapp`` the importable ``benchapp``, and ``tests`` importable."""
    folder = APPS / name
    if not (folder / "benchapp" / "models.py").exists():
        raise ValueError(f"no benchmark app {name!r} in {APPS}")
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))
    if "tests" not in sys.modules:
        _import_tests_package()


def _import_tests_package() -> None:
    """Import the repository's ``tests`` package from its folder alone.

    Its subpackages (``tests.support``) are then found through its
    ``__path__``; nothing else of the repository becomes importable.
    """
    folder = REPO_ROOT / "tests"
    spec = importlib.util.spec_from_file_location(
        "tests", folder / "__init__.py", submodule_search_locations=[str(folder)]
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules["tests"] = module
    spec.loader.exec_module(module)
