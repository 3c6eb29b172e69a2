"""``manage.py generateimages [ID-PATTERNS]``: pre-generate cache files.

Patterns match generator ids: ``*`` within one colon-separated segment, ``**``
across segments, and a pattern also matches ids with more segments after it
(``myapp`` matches ``myapp:photo:thumbnail``). Without patterns every
registered generator is processed.
"""

from __future__ import annotations

import multiprocessing
import pickle
import re
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from ...cachefiles.backends import CachedFileBackend
from ...exceptions import MissingSource
from ...registry import cachefile_registry, generator_registry

GENERATED = "generated"
EXISTED = "existed"
FAILED = "failed"
NO_SOURCE = "no source"


def compile_pattern(pattern: str) -> re.Pattern[str]:
    """Turn an id pattern into a regular expression matching whole ids."""
    parts = re.split(r"(\*\*|\*)", pattern)
    regex = "".join(
        ".*" if part == "**" else "[^:]*" if part == "*" else re.escape(part) for part in parts
    )
    return re.compile(rf"^{regex}(?::.*)?$")


def _source_label(file: Any) -> str:
    source = getattr(getattr(file, "generator", None), "source", None)
    return str(getattr(source, "name", None) or source or "?")


def _close_source(file: Any) -> None:
    # Custom source groups may yield plain files they opened; close them once
    # their cache file is made.
    source = getattr(getattr(file, "generator", None), "source", None)
    close = getattr(source, "close", None)
    if close is not None:
        close()


def process_file(file: Any, force: bool = False) -> tuple[str, str]:
    """Generate *file*; return ``(outcome, error message)``."""
    try:
        backend = file.cachefile_backend
        if not force and isinstance(backend, CachedFileBackend) and backend.exists(file):
            return EXISTED, ""
        if force and file.storage.exists(file.name):
            # Storages do not overwrite: saving under a taken name would store
            # a renamed copy that is never used and keep the stale file.
            file.storage.delete(file.name)
        file.generate(force=force)
    except MissingSource as exc:
        return NO_SOURCE, str(exc)
    except Exception as exc:  # noqa: BLE001 - reported per file; the run goes on
        return FAILED, f"{type(exc).__name__}: {exc}"
    finally:
        _close_source(file)
    return GENERATED, ""


def _process_pickled(payload: bytes, force: bool) -> tuple[str, str]:
    return process_file(pickle.loads(payload), force=force)


class Progress:
    """A one-line progress bar with counts and ETA, for terminals."""

    def __init__(self, stream: Any, total: int):
        self.stream = stream
        self.total = total
        self.start = time.monotonic()

    def update(self, done: int) -> None:
        elapsed = time.monotonic() - self.start
        eta = (elapsed / done) * (self.total - done) if done else 0.0
        width = 30
        filled = int(width * done / self.total) if self.total else width
        self.stream.write(
            f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{self.total} ETA {eta:0.0f}s ",
            ending="",
        )
        self.stream.flush()

    def finish(self) -> None:
        self.stream.write("")


class Command(BaseCommand):
    help = "Generate the cache files of the given generators (all when none given)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "generator_ids",
            nargs="*",
            help="Generator ids or patterns: '*' within a segment, '**' across segments.",
        )
        parser.add_argument(
            "--force", action="store_true", help="Regenerate files that already exist."
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="List what would be generated; change nothing."
        )
        parser.add_argument(
            "--jobs",
            "-j",
            type=int,
            default=1,
            help="Generate in this many worker processes (default 1).",
        )
        parser.add_argument(
            "--progress",
            choices=("auto", "always", "never"),
            default="auto",
            help="Show a progress bar (auto: when stdout is a terminal).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        patterns = [compile_pattern(p) for p in options["generator_ids"]]
        ids = [
            gid
            for gid in generator_registry.get_ids()
            if not patterns or any(p.match(gid) for p in patterns)
        ]
        if options["jobs"] < 1:
            raise CommandError("--jobs must be 1 or more.")
        self.verbosity = options["verbosity"]
        self.interactive = options["progress"] == "always" or (
            options["progress"] == "auto" and self.stdout.isatty()
        )
        counts = {GENERATED: 0, EXISTED: 0, FAILED: 0, NO_SOURCE: 0}
        work = self._collect(ids, counts)
        if options["dry_run"]:
            self._list(ids, work)
            return
        self._generate(ids, work, counts, options["jobs"], options["force"])
        self.stdout.write(
            f"{counts[GENERATED]} generated, {counts[EXISTED]} already existed, "
            f"{counts[FAILED]} failed"
            + (f", {counts[NO_SOURCE]} without a source" if counts[NO_SOURCE] else "")
        )
        if counts[FAILED]:
            raise CommandError(f"{counts[FAILED]} cache file(s) could not be generated.")

    def _collect(self, ids: list[str], counts: dict[str, int]) -> list[tuple[str, Any]]:
        """List ``(generator id, cache file)`` for every named cache file."""
        work = []
        for gid in ids:
            for file in cachefile_registry.get(gid):
                try:
                    name = file.name
                except Exception as exc:  # noqa: BLE001 - a bad source must not stop the run
                    counts[FAILED] += 1
                    self.stderr.write(f"\tFailed {gid}: {type(exc).__name__}: {exc}")
                    continue
                if name:
                    work.append((gid, file))
        return work

    def _list(self, ids: list[str], work: list[tuple[str, Any]]) -> None:
        for gid in ids:
            self._header(gid, interactive=False)
            for file_gid, file in work:
                if file_gid == gid:
                    if self.verbosity >= 1:
                        self.stdout.write(f"  {file.name}")
                    _close_source(file)
        self.stdout.write(f"{len(work)} cache file(s) would be checked (dry run).")

    def _generate(
        self,
        ids: list[str],
        work: list[tuple[str, Any]],
        counts: dict[str, int],
        jobs: int,
        force: bool,
    ) -> None:
        progress = Progress(self.stdout, len(work)) if self.interactive else None
        announced: set[str] = set()
        results = self._run(work, jobs, force)
        for done, ((gid, file), (outcome, error)) in enumerate(
            zip(work, results, strict=True), start=1
        ):
            self._announce_up_to(ids, gid, announced)
            counts[outcome] += 1
            if progress:
                progress.update(done)
            elif self.verbosity >= 1:
                self.stdout.write(f"  {file.name}")
                if outcome == NO_SOURCE:
                    self.stdout.write("\t No source associated with")
            if outcome == FAILED:
                self.stderr.write(f"\tFailed {file.name} (source {_source_label(file)}): {error}")
        self._announce_up_to(ids, None, announced)
        if progress:
            progress.finish()

    def _header(self, gid: str, interactive: bool | None = None) -> None:
        if interactive is None:
            interactive = self.interactive
        if self.verbosity >= 1 and not interactive:
            self.stdout.write(f"Validating generator: {gid}")

    def _announce_up_to(self, ids: list[str], gid: str | None, announced: set[str]) -> None:
        """Print the headers of every generator up to *gid* (all if None), in order."""
        for each in ids:
            if each not in announced:
                announced.add(each)
                self._header(each)
            if each == gid:
                return

    def _run(self, work: list[tuple[str, Any]], jobs: int, force: bool) -> Any:
        if jobs == 1 or len(work) < 2:  # noqa: PLR2004
            for _gid, file in work:
                yield process_file(file, force=force)
            return
        # Worker processes are forked, so they share the registries; each
        # file travels pickled. Files that cannot be pickled (plain open files
        # from a custom source group) are generated here instead.
        payloads = []
        for _gid, file in work:
            try:
                payloads.append(pickle.dumps(file))
            except Exception:  # noqa: BLE001 - fall back to this process
                payloads.append(None)
        connections.close_all()  # children must not share the parent's DB connections
        context = multiprocessing.get_context("fork" if sys.platform != "win32" else "spawn")
        with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
            futures = [
                pool.submit(_process_pickled, payload, force) if payload is not None else None
                for payload in payloads
            ]
            for (_gid, file), future in zip(work, futures, strict=True):
                if future is None:
                    yield process_file(file, force=force)
                else:
                    yield future.result()
