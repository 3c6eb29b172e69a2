"""Check that a timed run really generated: the cold benchmarks' guard.

``reset_cache_files()`` forgets every cache file before a cold run;
``require_fresh_files()`` checks that the run wrote them all again.

A benchmark that deletes ``CACHE/`` and clears the cache between rounds must
see every file written again in each round; if a round made nothing (as with
the per-process memory issue #10 removed) its time measures nothing.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

__all__ = ["require_fresh_files", "reset_cache_files"]

# Allowance for file systems with coarse timestamps, in nanoseconds.
_CLOCK_SLACK_NS = 10_000_000


def reset_cache_files(media: Path) -> None:
    """Forget every cache file the way a user does: delete CACHE/, clear the Django cache."""
    from django.core.cache import caches

    shutil.rmtree(Path(media) / "CACHE", ignore_errors=True)
    caches["default"].clear()


def require_fresh_files(cache_dir: Path, count: int, started_ns: int, label: str) -> None:
    """Exit with an error unless *count* ``.jpg`` files in *cache_dir* postdate *started_ns*."""
    files = list(cache_dir.rglob("*.jpg")) if cache_dir.exists() else []
    fresh = sum(1 for path in files if path.stat().st_mtime_ns >= started_ns - _CLOCK_SLACK_NS)
    if fresh != count:
        sys.exit(
            f"error: {label} wrote {fresh} of {count} cache files ({len(files)} on disk) after "
            "CACHE/ was deleted and the cache cleared: its time measured no generation"
        )
