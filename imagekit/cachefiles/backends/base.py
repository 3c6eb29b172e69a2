"""The state-keeping cache file backend and the synchronous one.

Nothing about cache files is stored in the database. A backend keeps each
file's state (:class:`CacheFileState`) in the Django cache named by
``IMAGEKIT_CACHE_BACKEND``, under ImageKit's key ``<prefix><name>-state`` and
with ImageKit's values, so a cache can be shared with ImageKit during a switch.
The file's width and height sit beside it, under ``<prefix><name>-dimensions``
(``"WxH"``), which ImageKit never reads.

What each lookup costs is described on :meth:`CachedFileBackend.get_state`;
the memory kept between requests, and how it stays true to the Django cache,
in :mod:`imagekit.cachefiles.memory`.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from copy import copy
from typing import TYPE_CHECKING, Any

from django.core.cache.backends.dummy import DummyCache
from django.core.exceptions import ImproperlyConfigured

from ..._typing import alters_data
from ...conf import setting
from ...exceptions import MissingSource, MissingSourceFile, OutputTooLarge, SourceImageError
from ...utils import get_cache, sanitize_cache_key
from ..local import get_active_state_cache
from ..memory import ABSENT, EPOCH_KEY, ProcessMemory, requests
from . import lock
from .guard import call_guarded

if TYPE_CHECKING:
    from ..._typing import Named
    from .. import ImageCacheFile

__all__ = [
    "AbstractCacheFileBackend",
    "CacheFileState",
    "CachedFileBackend",
    "InvalidFileBackendError",
    "Simple",
]

Dimensions = tuple[int, int]


def parse_dimensions(value: Any) -> Dimensions | None:
    """Parse a stored ``"WxH"`` value; anything else means "unknown"."""
    if not isinstance(value, str):
        return None
    width, sep, height = value.partition("x")
    if not sep or not width.isdigit() or not height.isdigit():
        return None
    return int(width), int(height)


class CacheFileState:
    """The states a backend records for a cache file (the values in the cache)."""

    EXISTS = "exists"
    GENERATING = "generating"
    DOES_NOT_EXIST = "does_not_exist"


class InvalidFileBackendError(ImproperlyConfigured):
    """A cache file backend is configured wrongly."""


class AbstractCacheFileBackend:
    """The interface of a cache file backend.

    A backend must provide ``generate(file, force=False)`` and
    ``exists(file)``. It may record sizes: ``get_dimensions(file)`` returns a
    recorded ``(width, height)`` or None, and ``set_dimensions(file, size)``
    records one measured by reading the file; the defaults record nothing, so
    such files are measured when their size is asked. Compatibility: a backend
    written for ImageKit that does not derive from this class is treated the
    same way.
    """

    @alters_data
    def generate(self, file: ImageCacheFile, force: bool = False) -> None:
        raise NotImplementedError(
            "subclasses of AbstractCacheFileBackend must provide a generate() method"
        )

    def exists(self, file: ImageCacheFile) -> bool:
        raise NotImplementedError(
            "subclasses of AbstractCacheFileBackend must provide an exists() method"
        )

    def get_dimensions(self, file: ImageCacheFile) -> Dimensions | None:
        """Return *file*'s recorded ``(width, height)``, or None if none is."""
        return None

    @alters_data
    def set_dimensions(self, file: ImageCacheFile, dimensions: Dimensions) -> None:
        """Record the size of an existing *file*, measured by reading it."""


class CachedFileBackend(AbstractCacheFileBackend):
    """A backend that remembers file states in the Django cache.

    Subclasses provide ``_exists(file)`` (ask the storage) and ``generate``.
    """

    #: Seconds a "does not exist" answer is remembered.
    existence_check_timeout = 5

    @property
    def cache(self) -> Any:
        """The Django cache holding states (looked up on first use)."""
        cache = self.__dict__.get("_cache")
        if cache is None:
            cache = self._cache = get_cache()
        return cache

    @cache.setter
    def cache(self, value: Any) -> None:
        self._cache = value

    @property
    def memory(self) -> ProcessMemory:
        """What this backend remembers between requests (see :mod:`..memory`)."""
        memory: ProcessMemory | None = self.__dict__.get("_memory")
        if memory is None:
            memory = self.__dict__.setdefault("_memory", ProcessMemory())
        return memory

    def __getstate__(self) -> dict[str, Any]:
        state = copy(self.__dict__)
        state.pop("_cache", None)  # cache clients do not pickle; look it up again
        state.pop("_memory", None)  # a process's memory stays in that process
        return state

    # --- keys -------------------------------------------------------------------

    def get_key(self, file: Named) -> str:
        """Return the cache key for *file*'s state."""
        return sanitize_cache_key(f"{setting('IMAGEKIT_CACHE_PREFIX')}{file.name}-state")

    def get_dimensions_key(self, file: Named) -> str:
        """Return the cache key for *file*'s width and height."""
        return sanitize_cache_key(f"{setting('IMAGEKIT_CACHE_PREFIX')}{file.name}-dimensions")

    def get_origin_key(self, file: Named) -> str:
        """Return the cache key of the record of what made *file* (:mod:`..origins`)."""
        return sanitize_cache_key(f"{setting('IMAGEKIT_CACHE_PREFIX')}{file.name}-origin")

    @alters_data
    def forget(self, *names: str) -> None:
        """Record that the cache files *names* are gone: size, origin and marks removed.

        For files just deleted from their storage. The state is not deleted
        but set to "does not exist" for a while (a *tombstone*, kept
        ``max(existence_check_timeout, IMAGEKIT_GENERATING_TIMEOUT)``
        seconds): a page that found the file in the storage just before it
        was deleted records what it saw only where no state is recorded (see
        :meth:`get_state`), so it cannot bring back an "exists" for a file
        that is gone. Two round trips for them all. Other processes' memories
        of them are not touched: see :meth:`renew_epoch`.
        """
        states: dict[str, str] = {}
        others: list[str] = []
        local = get_active_state_cache()
        for name in names:
            prefix = f"{setting('IMAGEKIT_CACHE_PREFIX')}{name}"
            kept = [sanitize_cache_key(f"{prefix}-{kind}") for kind in _RECORDED]
            self.memory.forget(kept[0])
            if local is not None:
                for key in kept:
                    local.pop(key, None)
            states[kept[0]] = CacheFileState.DOES_NOT_EXIST
            others.extend(kept[1:])
        if states:
            timeout = max(self.existence_check_timeout, setting("IMAGEKIT_GENERATING_TIMEOUT"))
            self.cache_call("set_many", states, timeout)
            self.cache_call("delete_many", others)

    def get_lock_key(self, file: Named) -> str:
        """Return the cache key of the lock held while *file* is generated."""
        return lock.lock_key(file)

    def get_epoch_key(self) -> str:
        """Return the cache key of the epoch (see :mod:`imagekit.cachefiles.memory`)."""
        return sanitize_cache_key(f"{setting('IMAGEKIT_CACHE_PREFIX')}{EPOCH_KEY}")

    # --- states -------------------------------------------------------------------

    def get_state(self, file: ImageCacheFile, check_if_unknown: bool = True) -> str | None:
        """Return *file*'s state.

        Asked in turn: the request-local state cache, if one is active (no
        round trip); inside a request, this process's memory of files known to
        exist (no round trip once the request has checked the epoch); the
        Django cache. Outside a request that is one ``get`` of the state key,
        as in ImageKit; inside one a ``get_many`` that also brings the
        dimensions (and, the first time in the request, the epoch). If nobody
        knows and *check_if_unknown* is true, the storage is asked and the
        answer recorded.
        """
        key = self.get_key(file)
        local = get_active_state_cache()
        sized = False
        state: str | None
        if local is not None and key in local:
            state = local[key]
        else:
            state, sized = self._read_state(file, key, local)
        if state is None and check_if_unknown:
            exists = self._exists(file)
            state = CacheFileState.EXISTS if exists else CacheFileState.DOES_NOT_EXIST
            state = self._record_observed(file, key, state, local)
            if state == CacheFileState.EXISTS and sized:
                # Its size was asked just now, with the state: none is known.
                self.memory.remember(key, self.memory.epoch, ABSENT)
        return state

    def _record_observed(self, file: ImageCacheFile, key: str, state: str, local: Any) -> str:
        """Record what the storage just said of *file*, unless a state was recorded meanwhile.

        Written with ``add``: between the storage's answer and this write the
        file may have been made (the generator recorded "exists") or deleted
        (``cleanupimages`` recorded "does not exist", see :meth:`forget`);
        their answer wins over this older one. Return the state in force.
        """
        timeout: int | None = self.existence_check_timeout
        if state != CacheFileState.DOES_NOT_EXIST:
            timeout = self._timeout(state)
        added = self.cache_call("add", key, state, timeout, default=None)
        if added is False:
            recorded = self.cache_call("get", key)
            if recorded is not None:
                state = recorded
            if local is not None:
                local[key] = recorded
            return state
        if local is not None:
            local[key] = state
        if state == CacheFileState.EXISTS:
            self.memory.remember(key, self.memory.epoch)
        else:
            self.memory.forget(key)
        return state

    def _read_state(self, file: ImageCacheFile, key: str, local: Any) -> tuple[str | None, bool]:
        """Read *file*'s state from this process's memory or the Django cache.

        Return the state, and whether the recorded size was fetched with it.
        """
        epoch = self._request_epoch()
        if epoch is _OUTSIDE:
            state = self.cache_call("get", key)
            if local is not None:
                local[key] = state
            return state, False
        memory = self.memory
        if epoch is not _UNCHECKED and epoch is not None and memory.knows(key):
            if local is not None:
                local[key] = CacheFileState.EXISTS
            return CacheFileState.EXISTS, False
        dims_key = self.get_dimensions_key(file)
        keys = [key, dims_key]
        if epoch is _UNCHECKED:
            keys.append(self.get_epoch_key())
            generation = requests.generation  # before the fetch: a later start checks again
        found = self.cache_call("get_many", keys, default={})
        if epoch is _UNCHECKED:
            epoch = self._check_epoch(found.get(keys[2]), generation)
        state, dims = found.get(key), found.get(dims_key)
        if local is not None:
            local[key] = state
            if dims is not None:
                local[dims_key] = dims
        if state == CacheFileState.EXISTS:
            # ABSENT: the cache had no size just now; get_dimensions need not ask again.
            memory.remember(key, epoch, parse_dimensions(dims) or ABSENT)
        return state, epoch is not None

    def _request_epoch(self) -> Any:
        """Return the epoch the memory was checked against in the current requests.

        ``_OUTSIDE`` when the process serves no request, or with a
        ``DummyCache`` (which means "remember nothing", the default under
        DEBUG): the memory is not used. ``_UNCHECKED`` if a request started
        since the memory was last checked. None if the last check could not
        reach the cache: the memory is not used.
        """
        if not requests.active or isinstance(self.cache, DummyCache):
            return _OUTSIDE
        memory = self.memory
        if memory.checked_generation != requests.generation:
            return _UNCHECKED
        return memory.epoch

    def _check_epoch(self, epoch: str | None, generation: int) -> str | None:
        """Validate the memory against the *epoch* just fetched; return the epoch in force.

        A missing epoch (a new or cleared cache) is created; a changed one
        empties the memory. Either way the memory then trusts only what this
        epoch covers, until the next request starts (*generation* is the
        request generation at which the epoch was fetched).
        """
        if epoch is None:
            token = uuid.uuid4().hex
            added = self.cache_call("add", self.get_epoch_key(), token, None, default=None)
            if added:
                epoch = token
            elif added is False:  # another process created it just now
                epoch = self.cache_call("get", self.get_epoch_key())
        memory = self.memory
        memory.adopt(epoch)
        memory.checked_generation = generation
        return epoch

    def lookup_many(
        self, files: Sequence[Named], extra_keys: Sequence[str] = ()
    ) -> tuple[dict[str, str | None], dict[str, Dimensions], dict[str, Any]]:
        """Return the states and sizes of *files*, and the values of *extra_keys*, at once.

        ``({name: state}, {name: (w, h)}, {key: value})``. What this process
        remembers (inside a request, under a checked epoch) is used as
        :meth:`get_state` uses it; everything else costs one ``get_many``.
        The first time in a request, that one also brings the epoch, and
        everything is asked, since the memory cannot be trusted before the
        epoch is checked. Files nobody knows about are left ``None``: the
        storage is not asked.
        """
        states: dict[str, str | None] = {}
        sizes: dict[str, Dimensions] = {}
        values: dict[str, Any] = {}
        epoch = self._request_epoch()
        pending_files, pending_keys = self._lookup_known(
            files, extra_keys, epoch, states, sizes, values
        )
        if not pending_files and not pending_keys and epoch is not _UNCHECKED:
            return states, sizes, values
        keys = [
            k for file in pending_files for k in (self.get_key(file), self.get_dimensions_key(file))
        ]
        keys += pending_keys
        if epoch is _UNCHECKED:
            keys.append(self.get_epoch_key())
            generation = requests.generation
        found = self.cache_call("get_many", keys, default={}) if keys else {}
        if epoch is _UNCHECKED:
            epoch = self._check_epoch(found.get(self.get_epoch_key()), generation)
        self._record_found(pending_files, pending_keys, found, epoch, states, sizes, values)
        return states, sizes, values

    def _lookup_known(
        self,
        files: Sequence[Named],
        extra_keys: Sequence[str],
        epoch: Any,
        states: dict[str, str | None],
        sizes: dict[str, Dimensions],
        values: dict[str, Any],
    ) -> tuple[list[Named], list[str]]:
        """Fill in what the memory (or the request-local state cache) knows; return the rest."""
        local = get_active_state_cache()
        usable = epoch is not _OUTSIDE and epoch is not _UNCHECKED and epoch is not None
        memory = self.memory
        pending_files: list[Named] = []
        for file in files:
            key = self.get_key(file)
            if usable:
                known, dims = memory.get(key)
                if known:
                    states[file.name] = CacheFileState.EXISTS
                    if dims:
                        sizes[file.name] = dims
                    continue
            dims_key = self.get_dimensions_key(file)
            if local is not None and key in local and dims_key in local:
                states[file.name] = local[key]
                dims = parse_dimensions(local[dims_key])
                if dims:
                    sizes[file.name] = dims
                continue
            pending_files.append(file)
        pending_keys: list[str] = []
        for key in extra_keys:
            value = memory.get_value(key) if usable else None
            if value is None and local is not None:
                value = local.get(key)
            if value is None:
                pending_keys.append(key)
            else:
                values[key] = value
        return pending_files, pending_keys

    def _record_found(
        self,
        files: Sequence[Named],
        extra_keys: list[str],
        found: dict[str, Any],
        epoch: Any,
        states: dict[str, str | None],
        sizes: dict[str, Dimensions],
        values: dict[str, Any],
    ) -> None:
        local = get_active_state_cache()
        memory = self.memory
        remember = epoch is not _OUTSIDE and epoch is not None
        for file in files:
            key, dims_key = self.get_key(file), self.get_dimensions_key(file)
            state, raw = found.get(key), found.get(dims_key)
            states[file.name] = state
            dims = parse_dimensions(raw)
            if dims:
                sizes[file.name] = dims
            if local is not None:
                local[key] = state
                local[dims_key] = raw
            if remember and state == CacheFileState.EXISTS:
                memory.remember(key, epoch, dims or ABSENT)
        for key in extra_keys:
            value = found.get(key)
            values[key] = value
            if local is not None and value is not None:
                local[key] = value
            if remember:
                memory.remember_value(key, epoch, value)

    def remember_value(self, key: str, value: Any) -> None:
        """Let this process remember *value*, just written to the cache under *key*."""
        self.memory.remember_value(key, self.memory.epoch, value)
        local = get_active_state_cache()
        if local is not None:
            local[key] = value

    @alters_data
    def renew_epoch(self) -> None:
        """Make every process forget what it remembers of this backend's files.

        imagekit calls this when a file that others may remember is
        regenerated (``force=True``). Sites need not: clearing the cache has
        the same effect.
        """
        epoch = uuid.uuid4().hex
        self.cache_call("set", self.get_epoch_key(), epoch, None)
        self.memory.adopt(epoch)

    @alters_data
    def set_state(
        self,
        file: Named,
        state: str,
        dimensions: Dimensions | None = None,
        origin: str | None = None,
    ) -> None:
        """Record *state* (and, for an existing file, its *dimensions*) for *file*.

        "Does not exist" is kept for ``existence_check_timeout`` seconds,
        "generating" for ``IMAGEKIT_GENERATING_TIMEOUT`` (so a generator that
        died blocks nothing for long), "exists" for ``IMAGEKIT_CACHE_TIMEOUT``
        (``None``: forever). Writes through to the request-local state cache.
        *origin*, for a file just generated, is its origin record
        (:mod:`imagekit.cachefiles.origins`), written in the same round trip.
        """
        key = self.get_key(file)
        local = get_active_state_cache()
        if state == CacheFileState.DOES_NOT_EXIST:
            self.cache_call("set", key, state, self.existence_check_timeout)
        elif dimensions is not None or origin is not None:
            values = {key: state}
            if dimensions is not None:
                dims_key = self.get_dimensions_key(file)
                values[dims_key] = f"{dimensions[0]}x{dimensions[1]}"
                if local is not None:
                    local[dims_key] = values[dims_key]
            if origin is not None:
                values[self.get_origin_key(file)] = origin
            self.cache_call("set_many", values, self._timeout(state))
        else:
            self.cache_call("set", key, state, self._timeout(state))
        if local is not None:
            local[key] = state
        if state == CacheFileState.EXISTS:
            self.memory.remember(key, self.memory.epoch, dimensions)
        else:
            self.memory.forget(key)

    def _timeout(self, state: str) -> int | None:
        if state == CacheFileState.GENERATING:
            return setting("IMAGEKIT_GENERATING_TIMEOUT")
        return setting("IMAGEKIT_CACHE_TIMEOUT")

    def get_dimensions(self, file: ImageCacheFile) -> Dimensions | None:
        """Return *file*'s ``(width, height)`` if recorded, without opening it.

        Sizes are recorded when a file is generated, or the first time a file
        made elsewhere (by ImageKit, say) is measured. Costs nothing when the
        state lookup brought them (inside a request) or this process
        remembers them; otherwise one ``get``.
        """
        key = self.get_key(file)
        epoch = self._request_epoch()
        trusted = epoch is not _OUTSIDE and epoch is not _UNCHECKED and epoch is not None
        known = False
        if trusted:
            known, dims = self.memory.get(key)
            if dims == ABSENT:
                return None  # asked with the state in this request: the file is measured
            if dims is not None:
                return dims  # type: ignore[return-value]  # not ABSENT: returned above
        dims_key = self.get_dimensions_key(file)
        local = get_active_state_cache()
        if local is not None and dims_key in local:
            return parse_dimensions(local[dims_key])
        value = self.cache_call("get", dims_key)
        if local is not None:
            local[dims_key] = value
        dims = parse_dimensions(value)
        if dims is not None and trusted and known:
            self.memory.remember(key, epoch, dims)
        return dims

    @alters_data
    def set_dimensions(self, file: ImageCacheFile, dimensions: Dimensions) -> None:
        """Record the size of an existing *file* measured by reading it."""
        self.set_state(file, CacheFileState.EXISTS, dimensions=dimensions)

    def exists(self, file: ImageCacheFile) -> bool:
        """Return whether *file* exists (asking the storage only if unknown)."""
        return self.get_state(file) == CacheFileState.EXISTS

    def _exists(self, file: ImageCacheFile) -> bool:
        raise NotImplementedError(
            "subclasses of CachedFileBackend must provide an _exists() method"
        )

    # --- the "queued" mark of the task-queue backends -----------------------------

    def get_queued_key(self, name: str) -> str:
        """Return the cache key of the "queued" mark of the cache file *name*."""
        return sanitize_cache_key(f"{setting('IMAGEKIT_CACHE_PREFIX')}{name}-queued")

    @alters_data
    def mark_queued(self, name: str) -> bool:
        """Mark the cache file *name* as queued; return False if it already was.

        The task-queue backends (:mod:`.queues`) mark a file when they hand
        it to the queue; the worker removes the mark when it is done.

        The mark lives ``IMAGEKIT_QUEUED_TIMEOUT`` seconds at most, so a task
        lost by the broker only delays the file. With the cache down nothing
        can be marked, and True is returned: better a task twice than never.
        """
        key, timeout = self.get_queued_key(name), setting("IMAGEKIT_QUEUED_TIMEOUT")
        return bool(self.cache_call("add", key, 1, timeout, default=True))

    @alters_data
    def forget_queued(self, name: str) -> None:
        """Remove the "queued" mark of the cache file *name*."""
        self.cache_call("delete", self.get_queued_key(name))

    def is_queued(self, name: str) -> bool:
        """Return whether the cache file *name* is waiting in the queue."""
        return bool(self.cache_call("get", self.get_queued_key(name)))

    def get_refused_key(self, name: str) -> str:
        """Return the cache key of a worker's refusal to make the cache file *name*."""
        return sanitize_cache_key(f"{setting('IMAGEKIT_CACHE_PREFIX')}{name}-refused")

    @alters_data
    def record_refusal(
        self, file: ImageCacheFile, error: Exception, name: str | None = None
    ) -> None:
        """Remember that a worker could not make *file* from its source, and why.

        For errors of the source (:class:`~imagekit.exceptions.SourceImageError`,
        :class:`~imagekit.exceptions.MissingSource`), which making it again
        would only repeat: until the refusal expires
        (``IMAGEKIT_QUEUED_TIMEOUT``) or the source changes, the pages that
        need the file get the same error (see :meth:`refusal`), as they would
        from a backend that generates in the web process, and queue no task.
        The source's fingerprint is kept with it, to tell a replaced source.
        *name* is what was refused, if not *file* itself (a picture's task,
        named by its mark).
        """
        source = getattr(file.generator, "source", None)
        record = {
            "error": type(error).__name__,
            "message": str(error),
            "fp": _source_fingerprint(source),
        }
        timeout = setting("IMAGEKIT_QUEUED_TIMEOUT")
        key = self.get_refused_key(name or file.name)
        self.cache_call("set", key, json.dumps(record), timeout)

    def refusal(self, file: ImageCacheFile, name: str | None = None) -> Exception | None:
        """Return the error a worker recorded for *file*, if it still applies, or None.

        One ``get``; when a refusal is found, the source is asked for its
        fingerprint too (a ``stat``, or a ``HEAD`` on S3). A refusal recorded
        for an older content of the source is dropped.
        """
        key = self.get_refused_key(name or file.name)
        value = self.cache_call("get", key)
        if not isinstance(value, str):
            return None
        try:
            record = json.loads(value)
            error, message, recorded = record["error"], str(record["message"]), record["fp"]
        except (ValueError, TypeError, KeyError):
            return None
        if _source_fingerprint(getattr(file.generator, "source", None)) != recorded:
            self.cache_call("delete", key)
            return None
        cls = _REFUSALS.get(error, SourceImageError)
        return cls(
            f"{message} (a worker could not make {file.name}; it is tried again when "
            "the source changes or after IMAGEKIT_QUEUED_TIMEOUT)"
        )

    # --- generation -----------------------------------------------------------------

    @alters_data
    def generate_now(self, file: ImageCacheFile, force: bool = False) -> None:
        """Generate *file* in this process, exactly once, unless it exists.

        A lock in the state cache (:mod:`.lock`) makes concurrent requests
        for the same file (threads, processes, task workers sharing the
        cache) run the processors once: the others wait, up to
        ``IMAGEKIT_GENERATING_TIMEOUT`` seconds, for the file to exist, so
        every caller that goes on to use its URL finds a complete image. A
        generator that dies leaves a "generating" mark and a lock that expire
        after that timeout. If generation fails, the mark is dropped at once,
        so the next request tries again. The file is written atomically and
        replaces any older file of that name; a forced regeneration also
        renews the epoch, so that no process goes on trusting its memory of
        the old file.
        """
        if not force:
            state = self.get_state(file)
            if state == CacheFileState.EXISTS:
                return
            if state == CacheFileState.GENERATING and self._wait_for(file):
                return
        token = lock.acquire(self, file)
        while token is None:  # someone else is generating it
            if self._wait_for(file) and not force:
                return
            token = lock.acquire(self, file)
        try:
            if not force and self._shared_state(file) == CacheFileState.EXISTS:
                return  # made while we waited for the lock
            self.set_state(file, CacheFileState.GENERATING)
            if force:
                self.renew_epoch()
            try:
                dimensions = file._generate(replace=True)
            except BaseException:
                self._forget_state(file)
                raise
            from ..origins import describe

            self.set_state(
                file, CacheFileState.EXISTS, dimensions=dimensions, origin=describe(file)
            )
            file.close()
        finally:
            lock.release(self, file, token)

    def _wait_for(self, file: ImageCacheFile) -> bool:
        """Wait while another process makes *file*; return whether it exists then."""
        return lock.wait_until_made(self, file, CacheFileState.EXISTS)

    def _shared_state(self, file: Named) -> str | None:
        """Return the state in the Django cache (not in any memory)."""
        state: str | None = self.cache_call("get", self.get_key(file))
        return state

    def _forget_state(self, file: Named) -> None:
        key = self.get_key(file)
        self.cache_call("delete", key)
        self.memory.forget(key)
        local = get_active_state_cache()
        if local is not None:
            local.pop(key, None)

    # --- the cache, which may be down -----------------------------------------------

    def cache_call(self, method: str, *args: Any, default: Any = None) -> Any:
        """Call *method* of the state cache, guarded (see :func:`call_guarded`)."""
        return call_guarded(self.cache, method, *args, default=default)


_OUTSIDE = object()
_UNCHECKED = object()

# The keys kept about each cache file, by suffix (the state's first).
_RECORDED = ("state", "dimensions", "origin", "queued", "refused")

# The errors a worker's refusal is raised as again, by name (others: SourceImageError).
_REFUSALS: dict[str, type[Exception]] = {
    cls.__name__: cls
    for cls in (SourceImageError, OutputTooLarge, MissingSource, MissingSourceFile)
}


def _source_fingerprint(source: Any) -> str | None:
    """Return the fingerprint of a source in its storage (see :mod:`..origins`), or None."""
    storage, name = getattr(source, "storage", None), getattr(source, "name", None)
    if storage is None or not isinstance(name, str) or not name:
        return None
    from ..origins import fingerprint

    return fingerprint(storage, name)


class Simple(CachedFileBackend):
    """Generate files synchronously, in the process that needs them."""

    @alters_data
    def generate(self, file: ImageCacheFile, force: bool = False) -> None:
        self.generate_now(file, force=force)

    def _exists(self, file: ImageCacheFile) -> bool:
        if getattr(file, "_file", None) is not None:
            return True
        return bool(file.name) and file.storage.exists(file.name)
