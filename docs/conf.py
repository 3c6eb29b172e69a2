"""Sphinx configuration for the imagekit documentation.

Build with::

    sphinx-build -W -b html docs docs/_build/html

The build works offline. Links into the Django and Pillow documentation
(intersphinx) are only fetched when the environment variable
``IMAGEKIT_DOCS_INTERSPHINX=1`` is set, for example on Read the Docs.
Without it, cross-references to Django or Pillow objects render as plain
code and produce no warnings.
"""

from __future__ import annotations

import ast
import os
import re
import sys
from pathlib import Path

DOCS_DIR = Path(__file__).resolve().parent
REPO_ROOT = DOCS_DIR.parent

# The repository root makes ``imagekit`` importable for autodoc; the docs
# folder makes the small settings module ``_settings`` importable.
sys.path.insert(0, str(REPO_ROOT))
sys.path.insert(0, str(DOCS_DIR))


def _read_pkgmeta() -> dict[str, str]:
    """Return the string constants of ``imagekit/pkgmeta.py`` without importing it.

    Importing ``imagekit`` needs configured Django settings, and the version
    must be known before that, so the file is parsed instead.
    """
    path = REPO_ROOT / "imagekit" / "pkgmeta.py"
    if not path.exists():  # the package is still being written
        return {}
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    meta: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
            for target in node.targets:
                if isinstance(target, ast.Name) and isinstance(node.value.value, str):
                    meta[target.id] = node.value.value
    return meta


def _read_distribution_name() -> str:
    """Return the distribution name from ``pyproject.toml`` (for ``pip install``)."""
    path = REPO_ROOT / "pyproject.toml"
    if not path.exists():
        return "imagekit"
    try:
        import tomllib
    except ImportError:  # Python 3.10
        match = re.search(r'^name\s*=\s*"([^"]+)"', path.read_text("utf-8"), re.M)
        return match.group(1) if match else "imagekit"
    with path.open("rb") as fh:
        return tomllib.load(fh).get("project", {}).get("name", "imagekit")


_meta = _read_pkgmeta()
distribution_name = _read_distribution_name()

# -- Project information -----------------------------------------------------

project = "imagekit"
author = _meta.get("__author__", "imagekit contributors")
copyright = f"the {project} contributors"
release = _meta.get("__version__", "0+unknown")
version = ".".join(release.split(".")[:2])

# -- Django ------------------------------------------------------------------

# autodoc imports the package, and importing ``imagekit`` reads Django
# settings, so Django is configured with a minimal settings module first.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "_settings")

import django  # noqa: E402

if (REPO_ROOT / "imagekit" / "__init__.py").exists():
    django.setup()

# -- General configuration ---------------------------------------------------

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.intersphinx",
    "sphinx.ext.viewcode",
]

exclude_patterns = ["_build", "Thumbs.db", ".DS_Store"]
templates_path: list[str] = []
root_doc = "index"
default_role = "literal"
pygments_style = "sphinx"
pygments_dark_style = "monokai"

autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_default_options = {
    "show-inheritance": True,
}

# Substitutions available on every page (use them in ``parsed-literal`` blocks).
rst_prolog = f"""
.. |distname| replace:: {distribution_name}
"""

# -- Intersphinx -------------------------------------------------------------

# The build machine has no internet access. Fetching inventories would fail
# and turn into warnings (errors under -W), so the mapping is only set when
# explicitly asked for.
if os.environ.get("IMAGEKIT_DOCS_INTERSPHINX") == "1":
    intersphinx_mapping = {
        "python": ("https://docs.python.org/3/", None),
        "django": (
            "https://docs.djangoproject.com/en/5.2/",
            "https://docs.djangoproject.com/en/5.2/_objects/",
        ),
        "pillow": ("https://pillow.readthedocs.io/en/stable/", None),
    }
else:
    intersphinx_mapping = {}

# -- HTML output -------------------------------------------------------------

html_theme = "furo"
html_title = f"imagekit {release}"
html_static_path: list[str] = []


# -- Extensions local to this project -----------------------------------------


def setup(app):
    # ``.. setting::`` and ``:setting:`` work like in Django's own docs. With
    # intersphinx enabled, ``:setting:`INSTALLED_APPS``` also links to Django.
    app.add_crossref_type(
        directivename="setting",
        rolename="setting",
        indextemplate="pair: %s; setting",
    )
    return {"parallel_read_safe": True}
