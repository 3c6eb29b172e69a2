"""The two benchmark environments of ``run.py``: ours and django-imagekit 6.1.1.

Both are virtual environments in the repository root (ignored by git):
``.venv-bench-ours`` holds this project in editable mode, so the working tree
is what gets measured; ``.venv-bench-imagekit`` holds ``django-imagekit==6.1.1``
with the same versions of the distributions both use (whatever pip resolves
for ours is pinned in the other). Also here: what tree was measured
(:func:`source_state`).
"""

from __future__ import annotations

import hashlib
import json
import os
import shlex
import subprocess
import sys
import venv
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = Path(__file__).resolve().parent
INSTALLED = BENCH_DIR / "_installed.py"

OURS, THEIRS, DRAFT = "ours", "imagekit", "draft"
VENVS = {OURS: REPO_ROOT / ".venv-bench-ours", THEIRS: REPO_ROOT / ".venv-bench-imagekit"}
DJANGO_REQUIREMENT = "Django>=5.2,<5.3"
REFERENCE_REQUIREMENT = "django-imagekit==6.1.1"
# Installed in both environments at the versions pip picks for ours.
SHARED_DISTRIBUTIONS = ("Django", "Pillow", "pilkit", "django-appconf")


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def venv_python(venv_dir: Path) -> Path:
    if os.name == "nt":
        return venv_dir / "Scripts" / "python.exe"
    return venv_dir / "bin" / "python"


def pip_install(python: Path, *requirements: str) -> None:
    command = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    command += list(requirements)
    log(f"  {shlex.join(command)}")
    result = subprocess.run(command, cwd=REPO_ROOT, check=False)
    if result.returncode != 0:
        sys.exit(f"error: {shlex.join(command)} failed")


def installed_versions(python: Path) -> dict[str, str]:
    names = [*SHARED_DISTRIBUTIONS, "imagekit", "django-imagekit"]
    result = subprocess.run(
        [str(python), "-I", str(INSTALLED), *names],
        capture_output=True,
        text=True,
        check=False,
    )
    return json.loads(result.stdout) if result.returncode == 0 else {}


def ensure_venv(venv_dir: Path) -> tuple[Path, bool]:
    """Create *venv_dir* unless its interpreter runs pip; return (python, created)."""
    python = venv_python(venv_dir)
    if python.exists():
        check = subprocess.run([str(python), "-c", "import pip"], capture_output=True, check=False)
        if check.returncode == 0:
            return python, False
    log(f"Creating {venv_dir.relative_to(REPO_ROOT)} with {sys.executable}")
    venv.EnvBuilder(with_pip=True, clear=venv_dir.exists()).create(venv_dir)
    return python, True


def fingerprint(*parts: str) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode() + b"\0")
    for name in ("pyproject.toml", "setup.py"):
        path = REPO_ROOT / name
        digest.update(path.read_bytes() if path.exists() else b"<missing>")
    return digest.hexdigest()


def ensure_environments() -> dict[str, Path]:
    """Both environments, installed and with matching shared versions."""
    pythons = {}
    python, _ = ensure_venv(VENVS[OURS])
    stamp = VENVS[OURS] / ".bench-install.sha256"
    wanted = fingerprint(DJANGO_REQUIREMENT)
    if not stamp.exists() or stamp.read_text().strip() != wanted:
        log(f"Installing this project (editable) into {VENVS[OURS].name}")
        pip_install(python, "--editable", str(REPO_ROOT), DJANGO_REQUIREMENT)
        stamp.write_text(wanted + "\n")
    pythons[OURS] = python
    ours = installed_versions(python)
    missing = [name for name in (*SHARED_DISTRIBUTIONS, "imagekit") if name not in ours]
    if missing:
        sys.exit(f"error: {VENVS[OURS].name} lacks {', '.join(missing)}")

    pins = [REFERENCE_REQUIREMENT] + [f"{name}=={ours[name]}" for name in SHARED_DISTRIBUTIONS]
    python, _ = ensure_venv(VENVS[THEIRS])
    theirs = installed_versions(python)
    if any(theirs.get(name) != ours[name] for name in SHARED_DISTRIBUTIONS) or (
        theirs.get("django-imagekit") != REFERENCE_REQUIREMENT.split("==")[1]
    ):
        log(f"Installing {' '.join(pins)} into {VENVS[THEIRS].name}")
        pip_install(python, *pins)
        theirs = installed_versions(python)
        if any(theirs.get(name) != ours[name] for name in SHARED_DISTRIBUTIONS):
            sys.exit(f"error: could not match versions: ours {ours}, theirs {theirs}")
    pythons[THEIRS] = python
    return pythons


def source_state() -> dict[str, str]:
    """The measured tree: git revision, local changes, and a hash of imagekit/.

    The editable install measures whatever imagekit/ holds when each process
    starts, so a hash taken before and after the run tells whether every round
    measured the same code.
    """
    digest = hashlib.sha256()
    package = REPO_ROOT / "imagekit"
    for path in sorted(package.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(package)).encode() + b"\0" + path.read_bytes())

    def git(*args: str) -> str:
        try:
            result = subprocess.run(
                ["git", *args], cwd=REPO_ROOT, capture_output=True, text=True, check=False
            )
        except OSError:
            return ""
        return result.stdout.strip() if result.returncode == 0 else ""

    revision = git("rev-parse", "--short", "HEAD") or "unknown revision"
    if git("status", "--porcelain", "--", "imagekit"):
        revision += " + uncommitted changes in imagekit/"
    load = f"{os.getloadavg()[0]:.1f}" if hasattr(os, "getloadavg") else "?"
    return {"revision": revision, "hash": digest.hexdigest()[:12], "load": load}
