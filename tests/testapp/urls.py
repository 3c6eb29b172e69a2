from django.contrib import admin
from django.urls import path

from tests.testapp import api, views

urlpatterns = [
    path("admin/", admin.site.urls),
    path("pages/<str:name>/", views.page, name="page"),
    path("counted/<path:name>", views.counted, name="counted"),
    path("api/photos/", api.PhotoList.as_view(), name="api-photos"),
    path("api/pictures/", api.PicturePhotoList.as_view(), name="api-pictures"),
    path("api/thumbnails/", api.PrefetchedThumbnailList.as_view(), name="api-thumbnails"),
]
