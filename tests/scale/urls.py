"""The URLconf of the scale-out tests' web processes."""

from __future__ import annotations

from django.urls import path

from . import views

urlpatterns = [
    path("gallery/", views.gallery, name="gallery"),
]
