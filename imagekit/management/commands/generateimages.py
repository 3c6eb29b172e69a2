"""``manage.py generateimages [ID-PATTERNS]``: pre-generate cache files.

Patterns match generator ids as described in :mod:`imagekit.management.common`;
a pattern that matches no id is an error. Without patterns every registered
generator is processed.
"""

from __future__ import annotations

import multiprocessing
import pickle
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import TYPE_CHECKING, Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections

from ...cachefiles.backends import CachedFileBackend
from ...exceptions import MissingSource
from ...registry import cachefile_registry, generator_registry
from ..common import (
    Progress,
    add_jobs_argument,
    add_progress_argument,
    check_jobs,
    compile_pattern,
    select_ids,
    shows_progress,
)

__all__ = ["Command", "Progress", "compile_pattern", "enqueue_file", "process_file"]

if TYPE_CHECKING:
    from ...cachefiles import ImageCacheFile

GENERATED = "generated"
QUEUED = "queued"
EXISTED = "existed"
FAILED = "failed"
NO_SOURCE = "no source"


def _source_label(file: ImageCacheFile) -> str:
    source = getattr(getattr(file, "generator", None), "source", None)
    return str(getattr(source, "name", None) or source or "?")


def _exists(file: ImageCacheFile) -> bool:
    """Return whether *file* exists, asking its backend (its state) or else the storage."""
    backend = file.cachefile_backend
    if isinstance(backend, CachedFileBackend):
        return backend.exists(file)
    return file.storage.exists(file.name)


def _declared_variants(file: ImageCacheFile) -> list[ImageCacheFile]:
    """The picture variants *file*'s spec declares (``widths=``), as cache files."""
    if getattr(getattr(file, "generator", None), "picture_widths", None) is None:
        return []
    from ...pictures import plan_picture  # on use, as in process_file

    return plan_picture(file).all_variants()


def _close_source(file: ImageCacheFile) -> None:
    # Custom source groups may yield plain files they opened; close them once
    # their cache file is made.
    source = getattr(getattr(file, "generator", None), "source", None)
    close = getattr(source, "close", None)
    if close is not None:
        close()


def process_file(file: ImageCacheFile, force: bool = False) -> tuple[str, str]:
    """Generate *file*; return ``(outcome, error message)``."""
    from ...pictures import generate_declared  # on use: it registers imagekit:picture

    try:
        backend = file.cachefile_backend
        if not force and isinstance(backend, CachedFileBackend) and backend.exists(file):
            return (GENERATED if generate_declared(file) else EXISTED), ""
        file.generate(force=force)
        generate_declared(file, force=force)  # the picture variants its spec declares
    except MissingSource as exc:
        return NO_SOURCE, str(exc)
    except Exception as exc:  # noqa: BLE001 - reported per file; the run goes on
        return FAILED, f"{type(exc).__name__}: {exc}"
    finally:
        _close_source(file)
    return GENERATED, ""


def enqueue_file(file: ImageCacheFile, force: bool = False) -> tuple[str, str]:
    """Hand *file* to its asynchronous backend's queue; return ``(outcome, error message)``.

    The outcome is ``QUEUED``, or ``GENERATED`` when the backend made the
    file here instead (a task-queue backend does that for files no JSON
    payload can describe, and says why in a warning).
    """
    from ...pictures import generate_declared  # on use: it registers imagekit:picture

    try:
        backend = file.cachefile_backend
        if not getattr(backend, "is_async", False):
            return FAILED, (
                f"its cache file backend {type(backend).__module__}.{type(backend).__qualname__} "
                "is not asynchronous; --enqueue needs a task-queue backend "
                "(IMAGEKIT_DEFAULT_CACHEFILE_BACKEND, or the spec's cachefile_backend)"
            )
        if not force and isinstance(backend, CachedFileBackend) and backend.exists(file):
            return EXISTED, ""
        if force and file.storage.exists(file.name):
            # As for in-process generation: storages do not overwrite.
            file.storage.delete(file.name)
        # An asynchronous backend (checked above): a BaseAsync, or one like it.
        queued = backend.schedule_generation(file, force=force)  # type: ignore[attr-defined]
        generate_declared(file, force=force)  # its picture variants: one task
    except Exception as exc:  # noqa: BLE001 - reported per file; the run goes on
        return FAILED, f"{type(exc).__name__}: {exc}"
    finally:
        _close_source(file)
    return (GENERATED if queued is False else QUEUED), ""


def _process_pickled(payload: bytes, force: bool) -> tuple[str, str]:
    return process_file(pickle.loads(payload), force=force)


class Command(BaseCommand):
    help = "Generate the cache files of the given generators (all when none given)."

    def add_arguments(self, parser: CommandParser) -> None:
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
        add_jobs_argument(parser, "Generate in this many worker processes")
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help=(
                "Hand each missing file to its asynchronous cache file backend (Celery, RQ, "
                "Dramatiq, Django tasks) instead of generating it here."
            ),
        )
        add_progress_argument(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        ids = select_ids(options["generator_ids"], generator_registry.get_ids())
        check_jobs(options["jobs"])
        if options["enqueue"] and options["jobs"] != 1:
            raise CommandError("--enqueue and --jobs cannot be combined: workers do the work.")
        self.verbosity = options["verbosity"]
        self.interactive = shows_progress(options["progress"], self.stdout)
        self.counts = {QUEUED: 0, GENERATED: 0, EXISTED: 0, FAILED: 0, NO_SOURCE: 0}
        if options["dry_run"]:
            self._list(ids, options["force"])
            return
        self._generate(ids, options["jobs"], options["force"], options["enqueue"])
        counts = self.counts
        self.stdout.write(
            (f"{counts[QUEUED]} queued, " if options["enqueue"] else "")
            + f"{counts[GENERATED]} generated, {counts[EXISTED]} already existed, "
            f"{counts[FAILED]} failed"
            + (f", {counts[NO_SOURCE]} without a source" if counts[NO_SOURCE] else "")
        )
        if counts[FAILED]:
            raise CommandError(f"{counts[FAILED]} cache file(s) could not be generated.")

    def _files(self, gid: str, report: bool = True) -> Iterator[ImageCacheFile]:
        """Yield the named cache files of *gid*, one at a time.

        Files are handled as they come, so a source group of plain files
        never has more than a few of them open.
        """
        for file in cachefile_registry.get(gid):
            try:
                name = file.name
            except Exception as exc:  # noqa: BLE001 - a bad source must not stop the run
                if report:
                    self.counts[FAILED] += 1
                    self.stderr.write(f"\tFailed {gid}: {type(exc).__name__}: {exc}")
                continue
            if name:
                yield file
            else:
                _close_source(file)

    def _list(self, ids: list[str], force: bool) -> None:
        """List the cache files that are missing (all of them with --force)."""
        total = missing = 0
        for gid in ids:
            self._header(gid, interactive=False)
            for file in self._files(gid):
                total += 1
                try:
                    if force or not _exists(file):
                        missing += 1
                        if self.verbosity >= 1:
                            self.stdout.write(f"  {file.name}")
                    for variant in _declared_variants(file):  # widths= of its spec
                        total += 1
                        if force or not _exists(variant):
                            missing += 1
                            if self.verbosity >= 1:
                                self.stdout.write(f"  {variant.name}")
                except Exception as exc:  # noqa: BLE001 - reported; the listing goes on
                    self.counts[FAILED] += 1
                    self.stderr.write(f"\tFailed {file.name}: {type(exc).__name__}: {exc}")
                finally:
                    _close_source(file)
        verb = "regenerated" if force else "generated"
        self.stdout.write(
            f"{missing} of {total} cache file(s) would be {verb}"
            + ("" if force else " (missing)")
            + " (dry run)."
        )

    def _count(self, ids: list[str]) -> int:
        # Only for the progress bar: a first pass over the sources.
        total = 0
        for gid in ids:
            for file in self._files(gid, report=False):
                total += 1
                _close_source(file)
        return total

    def _generate(self, ids: list[str], jobs: int, force: bool, enqueue: bool = False) -> None:
        progress = Progress(self.stdout, self._count(ids)) if self.interactive else None
        done = 0
        with _Runner(jobs, force, enqueue_file if enqueue else process_file) as runner:
            for gid in ids:
                self._header(gid)
                for file, outcome, error in runner.map(self._files(gid)):
                    done += 1
                    self.counts[outcome] += 1
                    if progress:
                        progress.update(done)
                    elif self.verbosity >= 1:
                        self.stdout.write(f"  {file.name}")
                    if outcome == NO_SOURCE and (progress or self.verbosity >= 1):
                        # ImageKit's words, then which spec and which source.
                        self._note(progress, self.stdout, f"\t No source associated with: {error}")
                    if outcome == FAILED:
                        self._note(
                            progress,
                            self.stderr,
                            f"\tFailed {file.name} (source {_source_label(file)}): {error}",
                        )
        if progress:
            progress.finish()

    @staticmethod
    def _note(progress: Progress | None, stream: Any, line: str) -> None:
        if progress:
            progress.note(stream, line)
        else:
            stream.write(line)

    def _header(self, gid: str, interactive: bool | None = None) -> None:
        if interactive is None:
            interactive = self.interactive
        if self.verbosity >= 1 and not interactive:
            self.stdout.write(f"Validating generator: {gid}")


class _Runner:
    """Generate files in this process, or in *jobs* forked worker processes.

    Results come back in the order the files went in. At most a few files per
    worker are in flight, so sources are not all held open at once. Each
    file travels to its worker pickled; files that cannot be pickled (plain
    open files from a custom source group) are generated here instead.
    """

    def __init__(
        self,
        jobs: int,
        force: bool,
        process: Callable[..., tuple[str, str]] = process_file,
    ):
        self.jobs = jobs
        self.force = force
        self.process = process
        self.pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> _Runner:
        if self.jobs > 1:
            connections.close_all()  # children must not share the parent's DB connections
            context = multiprocessing.get_context("fork" if sys.platform != "win32" else "spawn")
            self.pool = ProcessPoolExecutor(max_workers=self.jobs, mp_context=context)
        return self

    def __exit__(self, *exc_info: Any) -> None:
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)

    def map(self, files: Iterable[ImageCacheFile]) -> Iterator[tuple[ImageCacheFile, str, str]]:
        window: deque[tuple[ImageCacheFile, Future[tuple[str, str]]]] = deque()
        for file in files:
            window.append((file, self._submit(file)))
            while window and (len(window) > 2 * self.jobs or window[0][1].done()):
                file_done, future = window.popleft()
                yield (file_done, *future.result())
        while window:
            file_done, future = window.popleft()
            yield (file_done, *future.result())

    def _submit(self, file: ImageCacheFile) -> Future[tuple[str, str]]:
        if self.pool is not None:
            try:
                payload = pickle.dumps(file)
            except Exception:  # noqa: BLE001 - not picklable: generate it here
                payload = None
            if payload is not None:
                _close_source(file)  # the worker has its own copy
                return self.pool.submit(_process_pickled, payload, self.force)
        future: Future[tuple[str, str]] = Future()
        future.set_result(self.process(file, force=self.force))
        return future
