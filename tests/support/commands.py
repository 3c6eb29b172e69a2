"""Run a management command the way a test wants to look at it.

- ``run()``: any command; its output and its ``CommandError`` as a ``Run``.
- ``cleanup()``: ``cleanupimages``, as a ``CleanupRun`` that also lists the
  names of the files it removed (or would remove).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import TypeVar

from django.core.management import CommandError, call_command


@dataclass
class Run:
    """What a command wrote, and the ``CommandError`` it raised, if any."""

    stdout: str
    stderr: str
    error: CommandError | None

    @property
    def lines(self) -> list[str]:
        return self.stdout.splitlines()


R = TypeVar("R", bound=Run)


def run(name: str, *args: str, kind: type[R] = Run) -> R:
    """Run the command *name* with *args*; keep its output and any CommandError."""
    stdout, stderr = io.StringIO(), io.StringIO()
    error = None
    try:
        call_command(name, *args, stdout=stdout, stderr=stderr)
    except CommandError as exc:
        error = exc
    return kind(stdout.getvalue(), stderr.getvalue(), error)


class CleanupRun(Run):
    @property
    def listed(self) -> list[str]:
        """The names of the files the run removed (or would remove)."""
        return sorted(line.split(" (")[0].strip() for line in self.lines if line.startswith("  "))


def cleanup(*args: str) -> CleanupRun:
    """Run ``cleanupimages`` with *args*."""
    return run("cleanupimages", *args, kind=CleanupRun)
