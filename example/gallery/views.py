from django.urls import reverse_lazy
from django.views.generic import CreateView, ListView

from .forms import PhotoForm
from .models import Photo


class PhotoListView(ListView):
    model = Photo


class PhotoCreateView(CreateView):
    model = Photo
    form_class = PhotoForm
    success_url = reverse_lazy("photo-list")


class PictureListView(ListView):
    """Every photo as a responsive ``{% picture %}`` (issue #12)."""

    model = Photo
    template_name = "gallery/picture_list.html"
