from django.contrib import admin

from imagekit.admin import AdminThumbnail

from .models import Photo


@admin.register(Photo)
class PhotoAdmin(admin.ModelAdmin):
    list_display = ["title", "admin_thumbnail", "avatar_preview", "card_size"]
    search_fields = ["title"]
    fields = [
        "title",
        "image",
        "admin_thumbnail",
        "avatar",
        "avatar_preview",
        "card_width",
        "card_height",
        "monochrome",
    ]
    readonly_fields = ["admin_thumbnail", "avatar_preview"]

    # The ImageSpecField "thumbnail" (200x150), linked to the photo's place in
    # the gallery (Photo.get_absolute_url).
    admin_thumbnail = AdminThumbnail(image_field="thumbnail")
    # Any file with a URL works, here the ProcessedImageField (96x96).
    avatar_preview = AdminThumbnail(image_field="avatar")
    avatar_preview.short_description = "Avatar"

    @admin.display(description="Card")
    def card_size(self, photo):
        return f"{photo.card_width}\N{MULTIPLICATION SIGN}{photo.card_height}"
