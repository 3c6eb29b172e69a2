"""``manage.py cleanupimages [ID-PATTERNS]``: remove cache files no page can use.

The counterpart of ``generateimages``, with the same patterns (see
:mod:`imagekit.management.common`) and output habits. How a file is judged,
and why that is safe while the site runs, is told in :doc:`/topics/cleanup`;
in short:

1. every registered generator lists its cache files (as for
   ``generateimages``): those are in use and kept;
2. IMAGEKIT_CACHEFILE_DIR is listed in each storage those files are in;
3. each other file is judged by the record written when it was generated
   (:mod:`imagekit.cachefiles.origins`): its source is gone (or was
   overwritten since), or its spec's definition changed, or its model field
   holds another file now, or its generator is no longer registered: it
   goes. Files made by template tags for sources that still exist, and files
   with no record, stay unless ``--include-tag-files`` is given;
4. temporary files older than IMAGEKIT_GENERATING_TIMEOUT go;
5. each file is deleted holding its generation lock, only if it was not
   made again meanwhile, and its state goes with it.
"""

from __future__ import annotations

import os
import posixpath
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from django.core.files.storage import Storage
from django.core.management.base import BaseCommand, CommandError, CommandParser

from ...cachefiles import is_temporary_name
from ...cachefiles.backends import CachedFileBackend, CacheFileState, lock
from ...cachefiles.listing import Entry, delete_many, list_files
from ...cachefiles.origins import fingerprint, origin_key, parse, source_storage
from ...conf import setting
from ...registry import cachefile_registry, generator_registry
from ...utils import get_default_cachefile_backend, get_storage
from ..common import (
    Progress,
    add_jobs_argument,
    add_progress_argument,
    check_jobs,
    compile_pattern,
    select_ids,
    shows_progress,
)

__all__ = ["Command", "parse_duration"]

# Why a file goes.
SOURCE_GONE = "source gone"
SOURCE_REPLACED = "source replaced"
SPEC_CHANGED = "spec changed"
NOT_THE_SOURCE = "no longer the field's file"
UNREGISTERED = "generator no longer registered"
TAG_FILE = "made by a template tag"
UNKNOWN = "unknown origin"
TEMPORARY = "temporary file"

# Why a file stays.
IN_USE = "in use"
KEPT_TAG = "made by template tags for sources that still exist"
KEPT_UNKNOWN = "of unknown origin"
TOO_RECENT = "too recent"
BUSY = "being generated"
REMADE = "made again meanwhile"
OUT_OF_SCOPE = "of other generators"

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_DURATION = re.compile(r"(\d+(?:\.\d+)?)([smhdw])")
_BATCH = 500  # files per round of state-cache calls and deletions


def parse_duration(text: str) -> timedelta:
    """Parse ``90s``, ``15m``, ``12h``, ``30d``, ``2w`` or combinations (``1d12h``)."""
    value = text.strip().lower()
    if value.isdigit():
        return timedelta(seconds=int(value))
    parts = _DURATION.findall(value)
    if not parts or "".join(n + u for n, u in parts) != value:
        raise CommandError(
            f"--older-than {text!r} is not a duration: use a number and a unit "
            "(s, m, h, d, w), such as 30d, 12h or 1d12h."
        )
    return timedelta(seconds=sum(float(n) * _UNITS[u] for n, u in parts))


def human_size(size: int | None) -> str:
    """Return *size* in bytes as ``512 B``, ``12.3 KB``, ``4.5 MB``..."""
    if size is None:
        return "? B"
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":  # noqa: PLR2004 - the unit step
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} TB"  # pragma: no cover - the loop returns


class _Named:
    """What the backends' key helpers need of a file: its name."""

    __slots__ = ("name",)

    def __init__(self, name: str):
        self.name = name


@dataclass
class Candidate:
    """A file that is to go, with why, and the record read when it was judged."""

    storage: Storage
    entry: Entry
    reason: str
    record: Any = None


class Listed:
    """What the registered generators list: names in use, and each id's sources."""

    def __init__(self) -> None:
        self.names: set[str] = set()
        self.sources: dict[str, set[str]] = {}
        self.unnamed: dict[str, set[str | None]] = {}  # sources whose file could not be named
        self.storages: dict[int, Storage] = {}

    def collect(self, ids: Iterable[str], report: Callable[[str], None]) -> None:
        for gid in ids:
            sources = self.sources.setdefault(gid, set())
            for file in cachefile_registry.get(gid):
                source = getattr(getattr(file, "generator", None), "source", None)
                source_name = getattr(source, "name", None)
                try:
                    name = file.name
                    storage = file.storage
                except Exception as exc:  # noqa: BLE001 - its files are then kept
                    self.unnamed.setdefault(gid, set()).add(source_name)
                    report(f"\tCould not name a file of {gid} (source {source_name}): {exc}")
                    continue
                finally:
                    close = getattr(source, "close", None)
                    if close is not None:
                        close()
                if source_name:
                    sources.add(source_name)
                if name:
                    self.names.add(posixpath.normpath(name.replace(os.sep, "/")))
                    self.storages.setdefault(id(storage), storage)
                self._collect_variants(gid, file, source_name, report)

    def _collect_variants(self, gid: str, file: Any, source_name: Any, report: Any) -> None:
        """The picture variants *file*'s spec declares (``widths=``) are in use too."""
        from ...pictures import declared_names

        try:
            names, _key = declared_names(file)
        except Exception as exc:  # noqa: BLE001 - its variants are then kept
            self.unnamed.setdefault(gid, set()).add(source_name)
            report(f"\tCould not name the picture variants of {gid} (source {source_name}): {exc}")
            return
        for name in names:
            self.names.add(posixpath.normpath(name.replace(os.sep, "/")))


class Command(BaseCommand):
    help = (
        "Remove the cache files no page can use any more (all generators' when no "
        "pattern is given): see the 'Cleaning up' topic of imagekit's documentation."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "generator_ids",
            nargs="*",
            help="Generator ids or patterns: '*' within a segment, '**' across segments.",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="List the files that would be removed, with their sizes; remove nothing.",
        )
        parser.add_argument(
            "--older-than",
            metavar="DURATION",
            help="Only remove files last written longer ago than this (30d, 12h, 1d12h...).",
        )
        add_jobs_argument(parser, "Delete with this many threads at once")
        parser.add_argument(
            "--include-tag-files",
            action="store_true",
            help=(
                "Also remove files made by template tags for sources that still exist, and "
                "files of unknown origin. Pages still using them regenerate them."
            ),
        )
        add_progress_argument(parser)

    # --- the run ---------------------------------------------------------------------

    def handle(self, *args: Any, **options: Any) -> None:
        from ... import pictures  # noqa: F401 - registers imagekit:picture, whose files it judges

        patterns = options["generator_ids"]
        registered = list(generator_registry.get_ids())
        select_ids(patterns, registered)  # a pattern matching nothing is an error
        self.patterns = [compile_pattern(p) for p in patterns]
        check_jobs(options["jobs"])
        self.started = datetime.now(timezone.utc)
        older_than = parse_duration(options["older_than"]) if options["older_than"] else None
        self.cutoff = self.started - older_than if older_than else self.started
        self.temporary_cutoff = self.started - timedelta(
            seconds=setting("IMAGEKIT_GENERATING_TIMEOUT")
        )
        self.include_tags = options["include_tag_files"]
        self.verbosity = options["verbosity"]
        self.interactive = shows_progress(options["progress"], self.stdout)
        self.registered = set(registered)
        self.kept: Counter[str] = Counter()
        self.removed: Counter[str] = Counter()
        self.removed_bytes = 0
        self.failed = 0
        backend = get_default_cachefile_backend()
        self.backend = backend if isinstance(backend, CachedFileBackend) else None
        # (storage, source name) -> fingerprint, "" if unknown, None if gone
        self._fingerprints: dict[tuple[int, str], str | None] = {}

        listed = Listed()
        # Every id, not only those asked for: a file listed by any id is in use.
        listed.collect(registered, self.stderr.write)
        self.listed = listed
        candidates = list(self._judge_all(listed))
        if options["dry_run"]:
            self._report_dry_run(candidates)
        else:
            self._remove(candidates, options["jobs"])
        self._summary(options["dry_run"])
        if self.failed:
            raise CommandError(f"{self.failed} cache file(s) could not be removed.")

    def _in_scope(self, gid: object) -> bool:
        if not self.patterns:
            return True
        return isinstance(gid, str) and any(p.match(gid) for p in self.patterns)

    # --- judging ---------------------------------------------------------------------

    def _storages(self) -> list[Storage]:
        found = {id(get_storage()): get_storage()}
        found.update(self.listed.storages)
        return list(found.values())

    def _judge_all(self, listed: Listed) -> Iterator[Candidate]:
        folder = posixpath.normpath(setting("IMAGEKIT_CACHEFILE_DIR").replace(os.sep, "/"))
        for storage in self._storages():
            batch: list[Entry] = []
            for entry in list_files(storage, folder):
                if not _inside(entry.name, folder):  # never, but never delete outside it
                    continue
                if is_temporary_name(entry.name):
                    if entry.modified is not None and entry.modified < self.temporary_cutoff:
                        yield Candidate(storage, entry, TEMPORARY)
                    else:
                        self.kept[TOO_RECENT] += 1
                    continue
                if entry.name in listed.names:
                    self.kept[IN_USE] += 1
                    continue
                if entry.modified is not None and entry.modified >= self.cutoff:
                    self.kept[TOO_RECENT] += 1
                    continue
                batch.append(entry)
                if len(batch) >= _BATCH:
                    yield from self._judge(storage, batch)
                    batch = []
            yield from self._judge(storage, batch)

    def _judge(self, storage: Storage, entries: list[Entry]) -> Iterator[Candidate]:
        if not entries:
            return
        records = self._records([entry.name for entry in entries])
        for entry in entries:
            record = records.get(entry.name)
            reason = self._reason(record)
            if reason is None:
                continue
            yield Candidate(storage, entry, reason, record)

    def _records(self, names: list[str]) -> dict[str, Any]:
        if self.backend is None:
            return {}
        keys = {origin_key(name): name for name in names}
        found = self.backend.cache_call("get_many", list(keys), default={})
        return {keys[key]: parse(value) for key, value in found.items()}

    def _reason(self, record: dict[str, Any] | None) -> str | None:
        """Return why the file of *record* goes, or None (and count why it stays)."""
        going, why = self._verdict(record) if record is not None else self._unrecorded()
        if going:
            return why
        self.kept[why] += 1
        return None

    def _unrecorded(self) -> tuple[bool, str]:
        if self.patterns:
            return False, OUT_OF_SCOPE
        return (True, UNKNOWN) if self.include_tags else (False, KEPT_UNKNOWN)

    def _verdict(self, record: dict[str, Any]) -> tuple[bool, str]:
        # A picture variant of a spec is judged as a file of that spec.
        gid, source_name = record.get("b") or record.get("g"), record.get("s")
        listed = self.listed
        # The file of a spec field is judged by what the fields hold now
        # (no request to the storage); any other by whether its source exists.
        if not self._in_scope(gid):
            verdict = False, OUT_OF_SCOPE
        elif record.get("f") and gid in listed.sources:
            if source_name in listed.unnamed.get(gid, ()):
                verdict = False, IN_USE  # its current name is unknown: keep it
            elif source_name in listed.sources[gid]:
                verdict = True, SPEC_CHANGED
            else:
                verdict = True, NOT_THE_SOURCE
        elif isinstance(source_name, str) and (changed := self._source_change(record, source_name)):
            verdict = True, changed
        elif isinstance(gid, str) and gid not in self.registered:
            verdict = True, UNREGISTERED
        else:
            verdict = (True, TAG_FILE) if self.include_tags else (False, KEPT_TAG)
        return verdict

    def _source_change(self, record: dict[str, Any], source_name: str) -> str | None:
        """Return SOURCE_GONE, SOURCE_REPLACED or None (the same source, or cannot tell).

        One fingerprint per source (a ``stat`` or a ``HEAD``), remembered for
        the run: "replaced" when it is not the one recorded when the file was
        made (a source overwritten under its name, which only spec fields
        notice when it is saved).
        """
        storage = source_storage(record)
        if storage is None:
            return None  # cannot tell: assume it is the same
        key = (id(storage), source_name)
        if key not in self._fingerprints:
            now = fingerprint(storage, source_name)
            if now is None:
                try:
                    now = "" if storage.exists(source_name) else None
                except Exception:  # noqa: BLE001 - cannot tell: assume it is the same
                    now = ""
            self._fingerprints[key] = now
        now = self._fingerprints[key]
        if now is None:
            return SOURCE_GONE
        recorded = record.get("fp")
        if now and recorded and now != recorded:
            return SOURCE_REPLACED
        return None

    # --- removing --------------------------------------------------------------------

    def _report_dry_run(self, candidates: list[Candidate]) -> None:
        for candidate in candidates:
            self._count_removed(candidate)
            if self.verbosity >= 1:
                self.stdout.write(self._line(candidate))

    def _line(self, candidate: Candidate) -> str:
        entry = candidate.entry
        return f"  {entry.name} ({human_size(entry.size)}, {candidate.reason})"

    def _count_removed(self, candidate: Candidate) -> None:
        self.removed[candidate.reason] += 1
        self.removed_bytes += candidate.entry.size or 0

    def _remove(self, candidates: list[Candidate], jobs: int) -> None:
        progress = Progress(self.stdout, len(candidates)) if self.interactive else None
        batches = [candidates[i : i + _BATCH] for i in range(0, len(candidates), _BATCH)]
        done = 0
        deleted: list[str] = []
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            for results in pool.map(self._remove_batch, batches):
                for candidate, outcome, error in results:
                    done += 1
                    if outcome == "removed":
                        self._count_removed(candidate)
                        deleted.append(candidate.entry.name)
                        if not progress and self.verbosity >= 1:
                            self.stdout.write(self._line(candidate))
                    elif outcome == "failed":
                        self.failed += 1
                        line = f"\tFailed to remove {candidate.entry.name}: {error}"
                        if progress:
                            progress.note(self.stderr, line)
                        else:
                            self.stderr.write(line)
                    else:
                        self.kept[outcome] += 1
                if progress:
                    progress.update(done)
        if progress:
            progress.finish()
        if deleted and self.backend is not None:
            self._settle(deleted)

    def _remove_batch(self, batch: list[Candidate]) -> list[tuple[Candidate, str, str]]:
        """Delete *batch* holding each file's generation lock; return the outcomes."""
        backend = self.backend
        results: list[tuple[Candidate, str, str]] = []
        held: list[tuple[Candidate, str | None]] = []
        for candidate in batch:
            token = None
            if backend is not None and candidate.reason != TEMPORARY:
                token = lock.acquire(backend, _Named(candidate.entry.name))
                if token is None:
                    results.append((candidate, BUSY, ""))
                    continue
            held.append((candidate, token))
        try:
            go = self._not_remade([c for c, _token in held])
            by_storage: dict[int, tuple[Storage, list[Candidate]]] = {}
            for candidate, _token in held:
                if candidate.entry.name not in go:
                    results.append((candidate, REMADE, ""))
                    continue
                by_storage.setdefault(id(candidate.storage), (candidate.storage, []))[1].append(
                    candidate
                )
            for storage, group in by_storage.values():
                failed = delete_many(storage, [c.entry.name for c in group])
                gone = [c for c in group if c.entry.name not in failed]
                if backend is not None:
                    backend.forget(*(c.entry.name for c in gone))
                    # What a removed variant's picture learnt (its placeholder) goes
                    # too when it describes a source that is gone or no longer the same.
                    pictures = {
                        c.record.get("pm")
                        for c in gone
                        if isinstance(c.record, dict) and c.reason in _FORGETS_PICTURE
                    }
                    pictures.discard(None)
                    if pictures:
                        backend.cache_call("delete_many", sorted(pictures))
                results.extend(
                    (c, "failed", failed[c.entry.name])
                    if c.entry.name in failed
                    else (c, "removed", "")
                    for c in group
                )
        finally:
            if backend is not None:
                lock.release_many(
                    backend,
                    [(_Named(c.entry.name), token) for c, token in held if token is not None],
                )
        return results

    def _not_remade(self, candidates: list[Candidate]) -> set[str]:
        """Return the names among *candidates* whose origin record is the one judged.

        Every generation writes a new record (its fingerprint and all), so a
        file made again since it was judged is left alone.
        """
        names = {c.entry.name for c in candidates}
        if self.backend is None:
            return names
        now = self._records([c.entry.name for c in candidates if c.reason != TEMPORARY])
        return {
            c.entry.name
            for c in candidates
            if c.reason == TEMPORARY or now.get(c.entry.name) == c.record
        }

    def _settle(self, deleted: list[str]) -> None:
        """Make sure no state says a deleted file exists; then every process forgets it.

        A page may have found a file in the storage (and recorded it as
        existing) just before it was deleted: such states are removed again.
        Renewing the epoch makes every web process drop what it remembers.
        """
        # Called only when a backend keeps states (see handle()).
        backend: CachedFileBackend = self.backend  # type: ignore[assignment]
        for start in range(0, len(deleted), _BATCH):
            names = deleted[start : start + _BATCH]
            keys = {backend.get_key(_Named(name)): name for name in names}
            found = backend.cache_call("get_many", list(keys), default={})
            for key, state in found.items():
                if state == CacheFileState.EXISTS:
                    backend.forget(keys[key])
        backend.renew_epoch()

    # --- output ----------------------------------------------------------------------

    def _summary(self, dry_run: bool) -> None:
        total = sum(self.removed.values())
        verb = "Would remove" if dry_run else "Removed"
        reasons = ", ".join(f"{n} {reason}" for reason, n in self.removed.most_common())
        self.stdout.write(
            f"{verb} {total} file(s), {human_size(self.removed_bytes)}"
            + (f": {reasons}." if reasons else ".")
        )
        kept = ", ".join(
            f"{n} {reason}" + (" (--include-tag-files removes them)" if reason in _OPTIONAL else "")
            for reason, n in self.kept.most_common()
        )
        self.stdout.write(
            f"Kept {sum(self.kept.values())} file(s)" + (f": {kept}." if kept else ".")
        )
        if self.failed:
            self.stdout.write(f"{self.failed} failed.")


_OPTIONAL = {KEPT_TAG, KEPT_UNKNOWN}
# Reasons after which a picture's record (placeholder, widest width) no longer
# describes any file a page can use: its source is gone or changed.
_FORGETS_PICTURE = {SOURCE_GONE, SOURCE_REPLACED, NOT_THE_SOURCE, UNREGISTERED}


def _inside(name: str, folder: str) -> bool:
    parts = name.split("/")
    return name.startswith(folder + "/") and ".." not in parts and "" not in parts
