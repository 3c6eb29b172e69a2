"""Admin registrations of the test app (used by tests/test_admin.py)."""

from django.contrib import admin

from imagekit.admin import AdminThumbnail

from .models import FieldAdminPhoto


@admin.register(FieldAdminPhoto)
class FieldAdminPhotoAdmin(admin.ModelAdmin):
    list_display = ["__str__", "admin_thumbnail"]
    admin_thumbnail = AdminThumbnail(image_field="thumbnail")
