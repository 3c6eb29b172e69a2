"""imagekit.admin.AdminThumbnail, alone and in a real admin change list."""

from __future__ import annotations

from html.parser import HTMLParser
from types import SimpleNamespace

import pytest
from django.urls import reverse

from imagekit.admin import AdminThumbnail
from tests.testapp.models import FieldAdminPhoto, Photo

VOID_ELEMENTS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta"}


class _TagCollector(HTMLParser):
    """Collect ``(tag, attrs, parent tag)`` for every start tag."""

    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None], str | None]] = []
        self._open: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs), self._open[-1] if self._open else None))
        if tag not in VOID_ELEMENTS:
            self._open.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, dict(attrs), self._open[-1] if self._open else None))

    def handle_endtag(self, tag):
        if tag in self._open:
            while self._open.pop() != tag:
                pass


def parse(html: str) -> list[tuple[str, dict[str, str | None], str | None]]:
    collector = _TagCollector()
    collector.feed(html)
    collector.close()
    return collector.tags


def link_and_image(html: str) -> tuple[str | None, str | None]:
    """Return the link's href and the image's src of a rendered thumbnail.

    Fails unless the HTML is exactly an ``<a>`` holding an ``<img>``.
    """
    tags = parse(html)
    assert [(tag, parent) for tag, _attrs, parent in tags] == [("a", None), ("img", "a")], html
    return tags[0][1].get("href"), tags[1][1].get("src")


@pytest.fixture
def photo(db, media_storage, image_file):
    return Photo.objects.create(original_image=image_file("admin.jpg", size=(80, 60)))


@pytest.fixture
def page_photo(db, media_storage, image_file):
    return FieldAdminPhoto.objects.create(image=image_file("page.jpg", size=(80, 60)))


def test_an_attribute_name_renders_a_link_around_the_thumbnail_image(photo):
    html = AdminThumbnail("thumbnail")(photo)

    _href, src = link_and_image(html)
    assert src == photo.thumbnail.url


def test_a_callable_renders_a_link_around_the_image_it_returns(photo):
    html = AdminThumbnail(lambda obj: obj.smartcropped_thumbnail)(photo)

    _href, src = link_and_image(html)
    assert src == photo.smartcropped_thumbnail.url


def test_the_link_goes_to_get_absolute_url_when_the_model_has_one(page_photo):
    html = AdminThumbnail("thumbnail")(page_photo)

    href, _src = link_and_image(html)
    assert href == f"/photos/{page_photo.pk}/"


def test_without_get_absolute_url_the_link_goes_to_the_thumbnails_source():
    thumbnail = SimpleNamespace(url="/media/thumb.jpg", source=SimpleNamespace(url="/media/o.jpg"))

    html = AdminThumbnail(lambda obj: thumbnail)(object())

    assert link_and_image(html) == ("/media/o.jpg", "/media/thumb.jpg")


def test_without_get_absolute_url_a_callable_returning_the_original_links_to_it(photo):
    html = AdminThumbnail(lambda obj: obj.original_image)(photo)

    assert link_and_image(html) == (photo.original_image.url, photo.original_image.url)


def test_without_get_absolute_url_an_image_spec_field_links_to_its_own_file(photo):
    html = AdminThumbnail("thumbnail")(photo)

    # Compatibility: a cache file has no ``source`` attribute, so ImageKit's
    # template falls back to the thumbnail itself for the link.
    href, _src = link_and_image(html)
    assert href == photo.thumbnail.url


def test_a_thumbnail_without_source_renders_nothing(db):
    html = AdminThumbnail("thumbnail")(Photo())

    assert parse(html) == []


def test_the_thumbnail_url_is_escaped_in_the_html():
    thumbnail = SimpleNamespace(url='/media/a"b.jpg', source=None)

    html = AdminThumbnail(lambda obj: thumbnail)(object())

    assert link_and_image(html) == ('/media/a"b.jpg', '/media/a"b.jpg')


def test_a_custom_template_is_rendered_with_model_thumbnail_and_original_image(
    settings, tmp_path, photo
):
    (tmp_path / "my_thumbnail.html").write_text(
        '<span data-pk="{{ model.pk }}" data-original="{{ original_image.url }}">'
        "{{ thumbnail.url }}</span>"
    )
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [str(tmp_path)]}]

    html = AdminThumbnail("thumbnail", template="my_thumbnail.html")(photo)

    assert parse(html) == [
        ("span", {"data-pk": str(photo.pk), "data-original": photo.thumbnail.url}, None)
    ]


def test_a_missing_attribute_raises_an_error_naming_it_and_the_model():
    with pytest.raises(Exception, match=r"^The property missing is not defined on Photo\.$"):
        AdminThumbnail("missing")(Photo())


def test_the_column_is_titled_thumbnail():
    assert str(AdminThumbnail("thumbnail").short_description) == "Thumbnail"


def test_the_column_allows_tags():
    assert AdminThumbnail("thumbnail").allow_tags is True


def test_the_admin_change_list_shows_the_thumbnail_image(admin_client, page_photo):
    response = admin_client.get(reverse("admin:tests_fieldadminphoto_changelist"))

    images = [
        (attrs, parent)
        for tag, attrs, parent in parse(response.content.decode())
        if tag == "img" and attrs.get("src") == page_photo.thumbnail.url
    ]
    assert [parent for _attrs, parent in images] == ["a"]


def test_the_admin_change_list_generates_the_thumbnail_file(
    admin_client, page_photo, media_storage
):
    admin_client.get(reverse("admin:tests_fieldadminphoto_changelist"))

    assert media_storage.exists(page_photo.thumbnail.name)
