"""The page the scale-out tests' web processes serve, as a site's gallery would."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.template import Context, Template

from .models import Upload

#: Every upload's thumbnail field, counted thumbnail and a ``{% thumbnail %}``
#: tag. Only URLs are asked for, so that the page renders with a queue
#: backend too, before the workers have made the files.
GALLERY = Template(
    "{% load imagekit %}"
    "{% for upload in uploads %}"
    '<img src="{{ upload.thumbnail.url }}">'
    '<img src="{{ upload.counted.url }}">'
    "{% thumbnail '20x20' upload.image as th %}<img src=\"{{ th.url }}\">"
    "{% endfor %}"
)


def gallery(request: HttpRequest) -> HttpResponse:
    """Serve the thumbnails of every upload."""
    uploads = list(Upload.objects.order_by("pk"))
    return HttpResponse(GALLERY.render(Context({"uploads": uploads})))
