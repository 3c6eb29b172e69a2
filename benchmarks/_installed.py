"""Print, as JSON, the installed versions of the distributions named on the command line.

Usage: ``python -I _installed.py NAME...``. Run by ``environments.py`` inside
each benchmark environment; a name that is not installed is left out.
Only the standard library is used.
"""

from __future__ import annotations

import json
import sys
from importlib import metadata


def versions(names: list[str]) -> dict[str, str]:
    found = {}
    for name in names:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return found


if __name__ == "__main__":
    print(json.dumps(versions(sys.argv[1:])))
