"""Signals sent by imagekit.

Every signal is a plain :class:`django.dispatch.Signal`. Receivers connected
by imagekit itself are attached in :func:`imagekit.receivers.connect_receivers`.
"""

from django.dispatch import Signal

__all__ = [
    "content_required",
    "existence_required",
    "source_changed",
    "source_created",
    "source_deleted",
    "source_saved",
]

#: Sent before the contents of a cache file are read from storage.
#: ``sender`` is the :class:`~imagekit.cachefiles.ImageCacheFile`; kwargs: ``file``
#: (the same object). The ``JustInTime`` strategy generates the file here.
content_required = Signal()

#: Sent before a cache file's ``url`` or ``path`` is read (only when no file
#: object is loaded yet) and on every truth test of the file.
#: ``sender`` is the cache file; kwargs: ``file`` (the same object).
existence_required = Signal()

#: Sent when a source of a registered source group is saved with a file whose
#: name changed (and, as in ImageKit, on the first save of every instance that
#: has a file). ``sender`` is the source group; kwargs: ``source`` (the file).
source_saved = Signal()

#: Sent when a new instance is first saved with a file. ``sender`` is the source
#: group; kwargs: ``source`` (the file).
source_created = Signal()

#: Sent when an existing instance is saved with a different, non-empty file.
#: ``sender`` is the source group; kwargs: ``source`` (the new file).
source_changed = Signal()

#: Sent when an instance with a file is deleted, or saved with its file cleared.
#: ``sender`` is the source group; kwargs: ``source`` (the file that went away).
source_deleted = Signal()
