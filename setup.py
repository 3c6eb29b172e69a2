# Metadata lives in pyproject.toml; this shim only serves tools that still
# call setup.py directly (for example old pip versions doing editable installs).
from setuptools import setup

setup()
