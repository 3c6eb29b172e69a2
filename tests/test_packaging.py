"""The installed distribution agrees with the package and keeps its extras."""

from __future__ import annotations

from importlib import metadata

import imagekit
from imagekit import pkgmeta


def test_installed_distribution_version_is_the_pkgmeta_version():
    assert metadata.version("imagekit") == pkgmeta.__version__ == imagekit.__version__


def test_distribution_offers_an_extra_per_async_backend_and_the_old_aliases():
    extras = set(metadata.metadata("imagekit").get_all("Provides-Extra"))

    # Extra names are normalised in metadata (PEP 685): async_rq -> async-rq;
    # pip normalises the requested name the same way, so both spellings work.
    assert {"celery", "rq", "dramatiq", "async", "async-rq", "async-dramatiq"} <= extras


def test_async_aliases_require_the_same_packages_as_the_named_extras():
    requirements = metadata.requires("imagekit")

    def packages_for(extra):
        return {
            requirement.split(";")[0].strip()
            for requirement in requirements
            if f'extra == "{extra}"' in requirement
        }

    assert packages_for("async") == packages_for("celery") == {"celery>=5"}
    assert packages_for("async-rq") == packages_for("rq") == {"django-rq"}
    assert packages_for("async-dramatiq") == packages_for("dramatiq") == {"django-dramatiq"}
