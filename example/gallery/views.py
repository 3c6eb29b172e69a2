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
