from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import path

from gallery.views import PhotoCreateView, PhotoListView, PictureListView

urlpatterns = [
    path("", PhotoListView.as_view(), name="photo-list"),
    path("upload/", PhotoCreateView.as_view(), name="photo-upload"),
    path("pictures/", PictureListView.as_view(), name="picture-list"),
    path("admin/", admin.site.urls),
    # Serves uploads and generated thumbnails while DEBUG is on.
    *static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT),
]
