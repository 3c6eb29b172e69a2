"""Every target the benchmarks report against, in one table.

The performance issues set these limits; the scripts print each measured
figure next to its limit ("met", "NOT met"), and nothing asserts them. A
script reads its limits here, by name, so that changing a target is one edit
and the printed wording follows it.
"""

from __future__ import annotations

#: name: (limit, what it limits). Ratios are "ours / the other", so lower is
#: better, except where the description says "at least".
TARGETS: dict[str, tuple[float, str]] = {
    # run.py: cold generation against Pillow alone and django-imagekit 6.1.1.
    "cold_vs_draft": (1.3, "ours/draft at most, on JPEG sources of cold_big_mp and more"),
    "cold_big_mp": (12_000_000, "pixels from which a source counts for cold_vs_draft"),
    "cold_memory_mb": (40, "peak extra memory below, MB, for the largest cold source"),
    "cold_psnr_db": (35, "PSNR at least, dB, against the full-resolution reference"),
    "cold_non_jpeg_vs_ik": (1.0, "ours/IK at most on non-JPEG sources (not slower)"),
    "cold_non_jpeg_noise": (1.1, "ours/IK up to which a miss is reported as noise"),
    # run.py: warm pages, per tag or access, against django-imagekit 6.1.1.
    "warm_tag_vs_ik": (0.25, "ours/IK at most for the thumbnail and generateimage tags"),
    "warm_descriptor_vs_ik": (0.5, "ours/IK at most for p.thumb.url"),
    "warm_other_storage_calls": (0, "storage calls per page besides url(), at most"),
    "warm_cache_calls": (1, "cache round trips per page, at most"),
    # run.py: generateimages.
    "generateimages_speedup": (3, "--jobs 2 at least this many times faster than ImageKit"),
    # warm_pages.py and pictures.py: warm pages against {{ photo.image.url }}.
    "warm_vs_floor": (1.5, "render time at most this many times the floor's"),
    # pictures.py: {% picture %}.
    "picture_url_vs_floor": (1.5, "render time per URL at most this many times the floor's"),
    "picture_cold_vs_pillow": (1.25, "build_picture() at most this many times Pillow's time"),
    "picture_cold_memory_mb": (40, "memory for the cold picture work at most, MB"),
    "avif_time_vs_default": (0.5, "AVIF encode time at most, against Pillow's defaults"),
    "avif_size_within_pct": (10, "AVIF size within this many percent of Pillow's defaults"),
}


def limit(name: str) -> float:
    """Return the limit of the target *name* (a KeyError names an unknown target)."""
    return TARGETS[name][0]
