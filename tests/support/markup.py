"""Read rendered HTML back as a browser would see it: its tags and its ``srcset`` lists.

- ``parse()``: the start tags of a page, in order, each with its attributes.
- ``srcset_urls()``, ``srcset_widths()``: the URLs and the ``w`` widths of a
  ``srcset`` attribute, in its order.
"""

from __future__ import annotations

from html.parser import HTMLParser


class _StartTags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def parse(html: str) -> list[tuple[str, dict[str, str | None]]]:
    """Return ``(tag, attributes)`` for every start tag of *html*, in order."""
    collector = _StartTags()
    collector.feed(html)
    return collector.tags


def srcset_widths(srcset: str) -> list[int]:
    return [int(entry.split()[1].rstrip("w")) for entry in srcset.split(", ")]


def srcset_urls(srcset: str) -> list[str]:
    return [entry.split()[0] for entry in srcset.split(", ")]
