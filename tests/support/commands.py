"""Run a management command the way a test wants to look at it."""

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
