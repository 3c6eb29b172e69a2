"""Views that serve test pages the way a site does: through Django's request cycle."""

from __future__ import annotations

from django.core.files.storage import storages
from django.http import HttpResponse
from django.template import Context, Template

import tests.testapp.counted  # noqa: F401 - registers tests:counted
from imagekit.cachefiles import LazyImageCacheFile
from imagekit.cachefiles.state import prefetch_spec_files, use_cachefile_state_cache
from tests.testapp.models import Photo

#: Pages of thumbnails, by name: what a gallery template may say.
PAGES = {
    "thumbnail tag": "{% for p in photos %}{% thumbnail '60x30' p.original_image %}{% endfor %}",
    "thumbnail as": (
        "{% for p in photos %}{% thumbnail '60x30' p.original_image as t %}"
        '<img src="{{ t.url }}" width="{{ t.width }}" height="{{ t.height }}">{% endfor %}'
    ),
    "generateimage tag": (
        "{% for p in photos %}"
        "{% generateimage 'tests:photo:thumbnail' source=p.original_image %}{% endfor %}"
    ),
    "spec field": (
        '{% for p in photos %}<img src="{{ p.thumbnail.url }}" '
        'width="{{ p.thumbnail.width }}">{% endfor %}'
    ),
    # Issue #12: 3 widths x 3 formats per photo (AVIF, WebP, the JPEG fallback).
    "picture tag": (
        "{% for p in photos %}{% picture '60x40' p.original_image widths='20 40 60' "
        "formats='avif webp' placeholder='blur' -- alt='' %}{% endfor %}"
    ),
    "picture of a spec field": (
        "{% for p in photos %}{% picture p.thumbnail widths='25 50' formats='webp' as pic %}"
        '<img src="{{ pic.img.url }}" srcset="{{ pic.sources.0.srcset }}">{% endfor %}'
    ),
}


def render_page(name: str, photos: list[Photo]) -> str:
    """Render the page *name* for *photos* (outside any request)."""
    return Template("{% load imagekit %}" + PAGES[name]).render(Context({"photos": photos}))


def page(request, name: str) -> HttpResponse:
    """Serve the page *name* for every photo; ``?prefetch=1`` prefetches their states."""
    photos = list(Photo.objects.order_by("pk"))
    if request.GET.get("prefetch"):
        with use_cachefile_state_cache():
            prefetch_spec_files(photos, "thumbnail")
            return HttpResponse(render_page(name, photos))
    return HttpResponse(render_page(name, photos))


def counted(request, name: str) -> HttpResponse:
    """Serve the URL of the ``tests:counted`` file made from the stored file *name*."""
    with storages["default"].open(name) as source:
        return HttpResponse(LazyImageCacheFile("tests:counted", source=source).url)
