"""What ``generateimages`` and ``cleanupimages`` share: id patterns and the progress line.

Patterns match generator ids: ``*`` within one colon-separated segment, ``**``
across segments, and a pattern also matches ids with more segments after it
(``myapp`` matches ``myapp:photo:thumbnail``).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable

from django.core.management.base import CommandError, CommandParser, OutputWrapper

__all__ = ["Progress", "add_progress_argument", "compile_pattern", "select_ids", "shows_progress"]


def compile_pattern(pattern: str) -> re.Pattern[str]:
    """Turn an id pattern into a regular expression matching whole ids."""
    parts = re.split(r"(\*\*|\*)", pattern)
    regex = "".join(
        ".*" if part == "**" else "[^:]*" if part == "*" else re.escape(part) for part in parts
    )
    return re.compile(rf"^{regex}(?::.*)?$")


def select_ids(patterns: Iterable[str], ids: Iterable[str]) -> list[str]:
    """Return the *ids* (in their order) that match any of *patterns*; all without patterns.

    A pattern that matches no id is an error naming it: a typo must not
    look like a run that had nothing to do.
    """
    patterns = list(patterns)
    ids = list(ids)
    if not patterns:
        return ids
    compiled = [(pattern, compile_pattern(pattern)) for pattern in patterns]
    unmatched = [pattern for pattern, regex in compiled if not any(map(regex.match, ids))]
    if unmatched:
        known = ", ".join(ids) or "none"
        raise CommandError(
            f"No registered generator matches {', '.join(map(repr, unmatched))} "
            f"(registered ids: {known})."
        )
    return [gid for gid in ids if any(regex.match(gid) for _pattern, regex in compiled)]


def add_progress_argument(parser: CommandParser) -> None:
    """Add ``--progress auto|always|never`` to a command's *parser*."""
    parser.add_argument(
        "--progress",
        choices=("auto", "always", "never"),
        default="auto",
        help="Show a progress bar (auto: when stdout is a terminal).",
    )


def add_jobs_argument(parser: CommandParser, doing: str) -> None:
    """Add ``--jobs N`` / ``-j N`` (default 1) to a command's *parser*.

    *doing* says what the N workers do ("Generate in this many worker
    processes"); :func:`check_jobs` refuses fewer than one.
    """
    parser.add_argument("--jobs", "-j", type=int, default=1, help=f"{doing} (default 1).")


def check_jobs(jobs: int) -> None:
    """Refuse a ``--jobs`` below one, naming the option."""
    if jobs < 1:
        raise CommandError("--jobs must be 1 or more.")


def shows_progress(option: str, stdout: OutputWrapper) -> bool:
    """Return whether to draw a progress line: ``--progress always``, or ``auto`` on a terminal."""
    return option == "always" or (option == "auto" and stdout.isatty())


class Progress:
    """A one-line progress bar with counts and ETA, for terminals.

    Lines written with :meth:`note` (to stdout or stderr) go above the bar:
    the bar is wiped first and drawn again after, so a failure never lands
    in the middle of it.
    """

    width = 30

    def __init__(self, stream: OutputWrapper, total: int):
        self.stream = stream
        self.total = total
        self.start = time.monotonic()
        self.done = 0
        self.drawn = 0  # length of the bar on screen, 0 when none is

    def update(self, done: int) -> None:
        self.done = done
        elapsed = time.monotonic() - self.start
        eta = (elapsed / done) * (self.total - done) if done else 0.0
        filled = int(self.width * done / self.total) if self.total else self.width
        bar = f"[{'#' * filled}{'.' * (self.width - filled)}] {done}/{self.total} ETA {eta:0.0f}s "
        self.stream.write(f"\r{bar}", ending="")
        self.stream.flush()
        self.drawn = len(bar)

    def note(self, stream: OutputWrapper, line: str) -> None:
        """Write *line* on its own line above the bar."""
        if self.drawn:
            self.stream.write(f"\r{' ' * self.drawn}\r", ending="")
            self.stream.flush()
        stream.write(line)
        stream.flush()
        if self.drawn:
            self.update(self.done)

    def finish(self) -> None:
        self.stream.write("")
        self.drawn = 0
