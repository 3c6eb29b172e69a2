"""Load pluggable pieces (backends, strategies, namers, storages) by dotted path.

This is the one place where imagekit turns a dotted path from a setting or an
attribute into an object: import it, cache it, and say precisely what was
wrong when that fails.
"""

from __future__ import annotations

import threading
from importlib import import_module
from typing import Any

from django.core.exceptions import ImproperlyConfigured

__all__ = ["import_by_path", "singleton"]

_lock = threading.Lock()
_imported: dict[str, Any] = {}
_singletons: dict[Any, Any] = {}  # by dotted path and by class


def import_by_path(path: str, desc: str) -> Any:
    """Import and return the object named by the dotted *path*.

    *desc* says what the object is for (``"namer"``, ``"file backend"``) and
    appears in the ``ImproperlyConfigured`` messages, which keep ImageKit's
    wording because projects may match on them.
    """
    try:
        return _imported[path]
    except (KeyError, TypeError):
        pass
    if not isinstance(path, str) or "." not in path:
        raise ImproperlyConfigured(f"{path} isn't a {desc} module.")
    module_path, _, attr = path.rpartition(".")
    try:
        module = import_module(module_path)
    except ImportError as exc:
        raise ImproperlyConfigured(f'Error importing {desc} module {module_path}: "{exc}"') from exc
    try:
        obj = getattr(module, attr)
    except AttributeError as exc:
        raise ImproperlyConfigured(
            f'{desc[0].upper()}{desc[1:]} module "{module_path}" does not define "{attr}"'
        ) from exc
    _imported[path] = obj
    return obj


def singleton(path: str, desc: str) -> Any:
    """Return the one shared instance of the class named by *path*."""
    try:
        return _singletons[path]
    except (KeyError, TypeError):
        pass
    cls = import_by_path(path, desc)
    with _lock:
        # Keyed by the class as well: two paths to one class (a re-export)
        # share one instance, as in ImageKit.
        instance = _singletons.get(cls)
        if instance is None:
            instance = _singletons[cls] = cls()
        _singletons[path] = instance
        return instance
