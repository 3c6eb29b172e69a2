from django import forms

from .models import Photo


class PhotoForm(forms.ModelForm):
    """Upload a photo; imagekit makes its thumbnails when the gallery shows it."""

    class Meta:
        model = Photo
        fields = ["title", "image", "avatar", "card_width", "card_height", "monochrome"]
