"""A Django REST framework API over the test app's photos, as a site writes one."""

from __future__ import annotations

from rest_framework import generics, serializers
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from imagekit.cachefiles.state import prefetch_spec_files
from imagekit.rest_framework import CacheFileField
from tests.testapp.models import Photo


class PhotoSerializer(serializers.ModelSerializer):
    thumbnail = CacheFileField()
    card = CacheFileField(source="original_image", geometry="60x30", anchor="c")
    hero = CacheFileField(source="original_image", generator="tests:photo:thumbnail")

    class Meta:
        model = Photo
        fields = ["id", "thumbnail", "card", "hero"]


class PhotoList(generics.ListAPIView):
    queryset = Photo.objects.order_by("pk")
    serializer_class = PhotoSerializer
    renderer_classes = [JSONRenderer]
    authentication_classes = []
    permission_classes = []


class PicturePhotoSerializer(serializers.ModelSerializer):
    """What ``{% picture %}`` renders, per photo: 3 widths x (AVIF, WebP, JPEG)."""

    hero = CacheFileField(
        "60x40", source="original_image", widths="20 40 60", formats="avif webp", placeholder="blur"
    )

    class Meta:
        model = Photo
        fields = ["id", "hero"]


class PicturePhotoList(PhotoList):
    serializer_class = PicturePhotoSerializer


class ThumbnailSerializer(serializers.ModelSerializer):
    thumbnail = CacheFileField()

    class Meta:
        model = Photo
        fields = ["id", "thumbnail"]


class PrefetchedThumbnailList(PhotoList):
    """The list a site writes to make a cold process's first page one round trip.

    With ``imagekit.middleware.CacheFileStateMiddleware``, as docs/topics/integrations.rst says.
    """

    serializer_class = ThumbnailSerializer

    def list(self, request, *args, **kwargs):
        photos = list(self.get_queryset())
        prefetch_spec_files(photos, "thumbnail")
        return Response(self.get_serializer(photos, many=True).data)
