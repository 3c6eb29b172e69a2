#!/usr/bin/env python3
"""Peak memory of hostile or oversized requests, one fresh process each.

Usage: .venv/bin/python benchmarks/caps_memory.py   (from the repository root)

Each case generates one spec on crafted bytes in a new Python process (see
``tests/reliability/rss.py``: warm-up, peak reset with ``/proc/self/clear_refs``,
then ``VmHWM``) and prints how far the peak resident set size rose, and what
came out. It measures the working tree; to compare with another commit, check
its ``imagekit/`` out and run it again. Linux only. Nothing is asserted.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PIL import Image

from tests.reliability.images import (
    gif_with_a_hidden_frame,
    icns_hiding,
    ico_hiding,
    noisy,
)
from tests.reliability.rss import generate_in_fresh_process

SPECS = "tests.reliability.memory_specs"


def long_gif(frames: int = 600, side: int = 256) -> bytes:
    images = [Image.new("RGB", (side, side), (i % 256, i // 3 % 256, 0)) for i in range(frames)]
    buffer = io.BytesIO()
    images[0].save(buffer, "GIF", save_all=True, append_images=images[1:], duration=20, loop=0)
    return buffer.getvalue()


CASES = [
    ("ICO 256x256 directory hiding 4000x4000 PNG", "Icon", lambda: ico_hiding(256, 4000), {}),
    ("ICNS ic10 hiding 4000x4000 PNG", "Icon", lambda: icns_hiding(4000), {}),
    (
        "GIF, 2nd frame 4000x4000, into GIF",
        "AnimatedIcon",
        lambda: gif_with_a_hidden_frame(100, 4000),
        {},
    ),
    ("ResizeToFill(5000, 5000) of a 640x480 JPEG", "Poster", lambda: noisy(size=(640, 480)), {}),
    (
        "600-frame 256x256 GIF into GIF",
        "AnimatedCopy",
        long_gif,
        {"IMAGEKIT_MAX_OUTPUT_FRAMES": None},
    ),
]


def main() -> None:
    for label, spec, make, settings in CASES:
        outcome = generate_in_fresh_process(f"{SPECS}.{spec}", make(), "source", **settings)
        result = outcome.get("error") or "made {}x{}".format(*outcome["image"])
        print(f"{label:46s} {outcome['grew_mb']:8.2f} MB  {result}")


if __name__ == "__main__":
    main()
