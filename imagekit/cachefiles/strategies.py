"""Cache file strategies: when is a cache file generated?

A strategy is any object; imagekit calls the methods below when they exist
(each receives the :class:`~imagekit.cachefiles.ImageCacheFile`):

``on_existence_required(file)``
    Someone needs the file to exist: its ``url`` or ``path`` is read, or it
    is tested for truth.
``on_content_required(file)``
    Someone is about to read the file's contents (``read()``, ``width``...).
``on_source_saved(file)``
    The source of a registered source group was saved with a new file.
``on_source_created(file)`` / ``on_source_changed(file)`` / ``on_source_deleted(file)``
    The source was created, changed to another file, or deleted (or cleared).
``should_verify_existence(file)``
    Return whether ``bool(file)`` must ask the backend if the file exists.
    Without it, only asynchronous backends are asked.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from ..utils import get_singleton

if TYPE_CHECKING:
    from . import ImageCacheFile

__all__ = ["DictStrategy", "JustInTime", "Optimistic", "load_strategy"]


class JustInTime:
    """Generate the file, synchronously, the moment it is needed."""

    def on_existence_required(self, file: ImageCacheFile) -> None:
        file.generate()

    def on_content_required(self, file: ImageCacheFile) -> None:
        file.generate()


class Optimistic:
    """Assume the file exists; generate it when its source is saved.

    ``url`` and ``bool(file)`` do no storage or cache I/O at all.
    """

    def on_source_saved(self, file: ImageCacheFile) -> None:
        file.generate()
        # And the picture variants its spec declares (picture_widths...).
        from ..pictures import generate_declared

        generate_declared(file)

    def should_verify_existence(self, file: ImageCacheFile) -> bool:
        return False


class DictStrategy:
    """A strategy built from a ``{"callback_name": function}`` dict."""

    def __init__(self, callbacks: dict[str, Callable[[ImageCacheFile], object]]):
        for name, callback in callbacks.items():
            setattr(self, name, callback)


def load_strategy(strategy: object) -> object:
    """Turn a strategy setting into a strategy object.

    A dotted path gives the shared instance of that class, a dict gives a
    :class:`DictStrategy`, any other callable (typically a class) is called
    with no arguments, and anything else is returned unchanged. The result is
    an object whose hooks (all optional) are looked up by name.
    """
    if isinstance(strategy, str):
        return get_singleton(strategy, "cache file strategy")
    if isinstance(strategy, dict):
        return DictStrategy(strategy)
    if callable(strategy):
        return strategy()
    return strategy
