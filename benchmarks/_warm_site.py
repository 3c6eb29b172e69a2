"""The site that ``warm_pages.py`` serves: one view, five templates, a URLconf.

``ROOT_URLCONF`` names this module. Each page loads the same rows of
``benchapp.Photo`` (see ``_workload.py``: an ``ImageField`` ``image`` and an
``ImageSpecField`` ``thumb``) and renders one template with them, as a view
of a gallery would. The view times the template's render alone and keeps the
figure in :data:`renders`, so that the caller can report the render apart
from the rest of the request (the query, the handler, the signals).
"""

from __future__ import annotations

import time

from django.http import HttpRequest, HttpResponse
from django.template.loader import get_template
from django.urls import path

THUMB_ID = "benchapp:photo:thumb"  # the id ImageSpecField gives Photo.thumb

#: The pages, in the order of the report. ``floor`` is what Django does
#: without imagekit: one storage ``url()`` per row.
TEMPLATES = {
    "floor": '{% for photo in photos %}<img src="{{ photo.image.url }}">{% endfor %}',
    "thumbnail": (
        "{% load imagekit %}{% for photo in photos %}"
        "{% thumbnail '100x50' photo.image %}{% endfor %}"
    ),
    "thumbnail-as": (
        "{% load imagekit %}{% for photo in photos %}"
        "{% thumbnail '100x50' photo.image as t %}"
        '<img src="{{ t.url }}">{% endfor %}'
    ),
    "spec-url": '{% for photo in photos %}<img src="{{ photo.thumb.url }}">{% endfor %}',
    "generateimage": (
        "{% load imagekit %}{% for photo in photos %}"
        "{% generateimage '" + THUMB_ID + "' source=photo.image %}{% endfor %}"
    ),
}

#: How many rows each page shows (set by the caller before the first request).
rows = 100

#: Seconds each render took, appended by :func:`page` (the caller empties it).
renders: list[float] = []


def page(request: HttpRequest, name: str) -> HttpResponse:
    """Render the page *name* with the first :data:`rows` photos."""
    from benchapp.models import Photo

    photos = list(Photo.objects.order_by("pk")[:rows])
    template = get_template(name)  # the cached loader: compiled once per process
    start = time.perf_counter()
    html = template.render({"photos": photos}, request)
    renders.append(time.perf_counter() - start)
    return HttpResponse(html)


urlpatterns = [path("<slug:name>/", page)]
