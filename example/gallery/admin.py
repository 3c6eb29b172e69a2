from django.contrib import admin

from imagekit.admin import AdminThumbnail

from .models import Photo


@admin.register(Photo)
class PhotoAdmin(admin.ModelAdmin):
    list_display = ["title", "admin_thumbnail"]
    search_fields = ["title"]
    admin_thumbnail = AdminThumbnail(image_field="thumbnail")
