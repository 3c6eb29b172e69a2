"""Create and fill the project's virtual environment (shared by the scripts).

Only the standard library is used here: these helpers run under whatever
``python3`` a fresh machine has, before anything is installed.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
VENV_DIR = REPO_ROOT / ".venv"

# Files whose content decides what `pip install -e .` installs. The presence of
# the package directory matters too: an editable install made before
# imagekit/ existed maps no package at all.
_INSTALL_INPUTS = ("pyproject.toml", "setup.py")


def venv_python(venv_dir: Path = VENV_DIR) -> Path:
    """Return the path of the interpreter inside *venv_dir*."""
    if os.name == "nt":
        return venv_dir / "Scripts" / "python.exe"
    return venv_dir / "bin" / "python"


def _works(python: Path) -> bool:
    if not python.exists():
        return False
    try:
        result = subprocess.run(
            [str(python), "-c", "import pip"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,
        )
    except OSError:
        return False
    return result.returncode == 0


def ensure_venv(venv_dir: Path = VENV_DIR) -> Path:
    """Create *venv_dir* with the running interpreter unless it works already.

    Return the path of its interpreter. A broken environment (for instance one
    whose base interpreter was removed) is rebuilt from scratch.
    """
    python = venv_python(venv_dir)
    if _works(python):
        return python
    rebuild = venv_dir.exists()
    action = "Rebuilding broken" if rebuild else "Creating"
    print(f"{action} virtual environment {_display(venv_dir)} with {sys.executable}", flush=True)
    venv.EnvBuilder(with_pip=True, clear=rebuild).create(venv_dir)
    return python


def _install_fingerprint(requirement: str) -> str:
    digest = hashlib.sha256()
    digest.update(requirement.encode())
    for name in _INSTALL_INPUTS:
        path = REPO_ROOT / name
        digest.update(name.encode())
        digest.update(path.read_bytes() if path.exists() else b"<missing>")
    package_present = (REPO_ROOT / "imagekit" / "__init__.py").exists()
    digest.update(b"package-present" if package_present else b"package-missing")
    return digest.hexdigest()


def ensure_installed(extras: str = "", venv_dir: Path = VENV_DIR) -> Path:
    """Install the project in editable mode (with *extras*) into *venv_dir*.

    Skip the install when nothing it depends on changed since the last one: a
    stamp file in the environment remembers a hash of the inputs. Return the
    environment's interpreter; exit with pip's status if the install fails.
    """
    python = ensure_venv(venv_dir)
    requirement = f".[{extras}]" if extras else "."
    stamp = venv_dir / f".imagekit-install{'-' + extras if extras else ''}.sha256"
    fingerprint = _install_fingerprint(requirement)
    if stamp.exists() and stamp.read_text().strip() == fingerprint:
        return python
    print(f"Installing {requirement} in editable mode into {_display(venv_dir)}", flush=True)
    command = [
        str(python),
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        "--editable",
        requirement,
    ]
    result = subprocess.run(command, cwd=REPO_ROOT, check=False)
    if result.returncode != 0:
        stamp.unlink(missing_ok=True)
        print(f"error: {' '.join(command)} failed", file=sys.stderr)
        sys.exit(result.returncode)
    stamp.write_text(fingerprint + "\n")
    return python


def _display(path: Path) -> str:
    try:
        return str(path.relative_to(REPO_ROOT))
    except ValueError:
        return str(path)
