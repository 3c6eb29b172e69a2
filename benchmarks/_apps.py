"""Where the benchmarks' Django apps live: real modules, checked by ruff.

Each benchmark project installs one app labelled ``benchapp``, kept in
``apps/<name>/benchapp/``: :func:`use_app` puts ``apps/<name>`` first on
``sys.path``, so ``benchapp`` (its models) imports from there. The counting
backends come from ``tests/support/counting.py``: :func:`use_app` also makes
the repository's ``tests`` package importable, at the end of ``sys.path``, so
that the ``imagekit`` a benchmark environment installed (django-imagekit
6.1.1 in ``run.py``'s reference environment) is the one imported, never the
working tree's.
"""

from __future__ import annotations

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
    if str(REPO_ROOT) not in sys.path:
        sys.path.append(str(REPO_ROOT))
