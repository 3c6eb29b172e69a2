"""This process's memory of cache files known to exist, kept true to the Django cache.

A warm page asks about the same cache files request after request. Asking the
Django cache each time costs a round trip per file; remembering the answers in
the process makes them free. But a memory that nobody checks goes on believing
in files after a site cleared the cache and deleted ``CACHE/`` (issue #10), so
this one is a cache *of* the Django cache, never a second truth:

* It is used only while the process serves a request: between Django's
  ``request_started`` and ``request_finished`` signals, which bracket every
  request served through WSGI, ASGI or the test client. In a process serving
  none (a shell, a management command, a task worker, a test that renders a
  template directly) every state is read from the Django cache, as ImageKit
  does.
* It is tagged with an *epoch*, a random token that lives in the Django cache
  under one key (:data:`EPOCH_KEY` after ``IMAGEKIT_CACHE_PREFIX``). The first
  state asked for after a request starts is fetched in the same round trip as
  the epoch; a missing or changed epoch empties the memory before anything in
  it is used.
  ``cache.clear()``, Redis' ``FLUSHALL`` and eviction remove the epoch;
  imagekit replaces it whenever it invalidates a file that other processes may
  remember (a forced regeneration, a failed one).

What it cannot see: a single state key deleted by hand, while the epoch stays,
is noticed outside requests at once and inside them only once the epoch
changes. Delete the epoch key too (or clear the cache) to make every process
forget. See docs/topics/caching.rst, "What each process remembers".
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from ..conf import setting

__all__ = ["ABSENT", "EPOCH_KEY", "ProcessMemory", "Requests", "requests"]

#: The key of the epoch, after ``IMAGEKIT_CACHE_PREFIX``. No state key can
#: collide with it: those end in ``-state``.
EPOCH_KEY = "state-epoch"

Dimensions = tuple[int, int]

#: Remembered instead of a size when the cache held none for the file: the
#: size is then measured without asking the cache again.
ABSENT: tuple[()] = ()

#: What the memory holds for a file's size: the size, or ABSENT.
Recorded = Dimensions | tuple[()]


class ProcessMemory:
    """A bounded mapping of state keys of existing files to their dimensions.

    Entries are trusted only under the epoch they were recorded in; at most
    ``IMAGEKIT_LOCAL_STATE_SIZE`` are kept (the oldest go first), and none
    outlives ``IMAGEKIT_CACHE_TIMEOUT`` from when it was read, so an expired
    state is asked again.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._epoch: str | None = None
        self._entries: dict[str, tuple[float | None, Recorded | None]] = {}
        # Other values kept beside the states (a picture's placeholder and
        # widths), under the same epoch and bounds.
        self._values: dict[str, tuple[float | None, object]] = {}
        #: The request generation (see :class:`Requests`) at which the epoch
        #: was last checked; -1: never.
        self.checked_generation = -1

    @property
    def epoch(self) -> str | None:
        """The epoch the entries were recorded under (None: nothing trusted yet)."""
        return self._epoch

    def adopt(self, epoch: str | None) -> None:
        """Trust entries recorded under *epoch* from now on; forget all others."""
        if epoch == self._epoch:
            return
        with self._lock:
            self._entries.clear()
            self._values.clear()
            self._epoch = epoch

    def _live(self, entries: dict[str, Any], key: str) -> Any:
        """Return the entry of *entries* for *key*, or None, forgetting it if it has expired."""
        entry = entries.get(key)
        if entry is not None and entry[0] is not None and entry[0] < time.monotonic():
            with self._lock:
                entries.pop(key, None)
            return None
        return entry

    def knows(self, key: str) -> bool:
        """Return whether the file with state *key* is known to exist."""
        return self._live(self._entries, key) is not None

    def get(self, key: str) -> tuple[bool, Recorded | None]:
        """Return ``(known to exist, dimensions)`` for the state *key*.

        The dimensions are None when unknown, :data:`ABSENT` when the cache
        was found to hold none.
        """
        entry = self._live(self._entries, key)
        return (False, None) if entry is None else (True, entry[1])

    def remember(self, key: str, epoch: str | None, dimensions: Recorded | None = None) -> None:
        """Record that the file with state *key* exists, as read under *epoch*.

        An answer read under another epoch than the memory's (another thread
        saw the cache reset meanwhile) is not kept. Known dimensions are kept
        when *dimensions* is None.
        """

        def kept(old: tuple[float | None, Recorded | None] | None) -> Recorded | None:
            if old is not None and (dimensions is None or (dimensions == ABSENT and old[1])):
                return old[1]  # known before, or a size recorded since: better than none
            return dimensions

        self._store(self._entries, key, epoch, kept)

    def remember_value(self, key: str, epoch: str | None, value: object) -> None:
        """Record the cache's *value* for *key*, as read under *epoch* (as :meth:`remember`)."""
        if value is not None:
            self._store(self._values, key, epoch, lambda old: value)

    def _store(
        self, entries: dict[str, Any], key: str, epoch: str | None, value: Callable[[Any], Any]
    ) -> None:
        """Store ``value(old entry)`` in *entries* under *key*, if read under the current *epoch*.

        Not kept when read under another epoch (another thread saw the cache
        reset meanwhile), or when the memory is turned off with
        ``IMAGEKIT_LOCAL_STATE_SIZE = 0``. Bounded by that setting, oldest
        first, and kept no longer than ``IMAGEKIT_CACHE_TIMEOUT``.
        """
        if epoch is None or epoch != self._epoch:
            return
        size = setting("IMAGEKIT_LOCAL_STATE_SIZE")
        if size <= 0:
            return
        timeout = setting("IMAGEKIT_CACHE_TIMEOUT")
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._lock:
            if epoch != self._epoch:
                return
            stored = value(entries.pop(key, None))
            _put(entries, key, (deadline, stored), size)

    def get_value(self, key: str) -> object:
        """Return the value remembered for *key*, or None."""
        entry = self._live(self._values, key)
        return None if entry is None else entry[1]

    def forget(self, key: str) -> None:
        """Forget the file with state *key*."""
        with self._lock:
            self._entries.pop(key, None)
            self._values.pop(key, None)

    def __len__(self) -> int:
        return len(self._entries)


def _put(entries: dict[str, Any], key: str, entry: Any, size: int) -> None:
    """Store *entry* under *key*, forgetting the oldest entries beyond *size*."""
    while len(entries) >= size:
        entries.pop(next(iter(entries)))
    entries[key] = entry


class Requests:
    """The requests this process is serving, as Django's request signals tell.

    ``active`` counts requests started and not yet finished; ``generation``
    counts every request ever started. A memory checked at generation *g*
    has been checked since the start of every request under way if
    ``generation`` is still *g*.

    Kept in plain process-wide counters, not in a context variable: under
    ASGI, Django sends ``request_started`` to synchronous receivers in a
    task of their own, whose context the view never sees.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.active = 0
        self.generation = 0

    def started(self) -> None:
        with self._lock:
            self.active += 1
            self.generation += 1

    def finished(self) -> None:
        with self._lock:
            if self.active:
                self.active -= 1


#: The requests of this process.
requests = Requests()


def request_started(**kwargs: object) -> None:
    """Receiver of ``request_started``: memories must be checked again before use."""
    requests.started()


def request_finished(**kwargs: object) -> None:
    """Receiver of ``request_finished``."""
    requests.finished()
