"""``cleanupimages`` while real web processes serve pages: no URL to a removed file stays.

Two ``runserver`` processes (see servers.py) serve the gallery, and remember,
between requests, the files they saw exist. The test process runs the
command, as a site's scheduler would, with ``--include-tag-files`` so that
files the gallery uses (its ``{% thumbnail %}`` ones) are removed under the
processes' feet.
"""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from .helpers import file_path, gallery_files, serve_gallery
from .models import Upload

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="module")
def web_pair(start_web):
    return start_web("clean-a"), start_web("clean-b")


def test_pages_after_a_cleanup_point_only_to_files_that_exist(web_pair, upload_file):
    web_a, web_b = web_pair
    uploads = [Upload.objects.create(image=upload_file()) for _ in range(2)]
    expected = [file_path(file) for upload in uploads for file in gallery_files(upload)]
    assert serve_gallery(web_a) == serve_gallery(web_b) == expected  # both remember them
    tag_files = [file_path(gallery_files(upload)[2]) for upload in uploads]
    out = StringIO()

    call_command("cleanupimages", "--include-tag-files", stdout=out, stderr=StringIO())

    assert "made by a template tag" in out.getvalue()
    assert not any(path.is_file() for path in tag_files)  # removed under their feet
    assert serve_gallery(web_a) == serve_gallery(web_b) == expected
    assert [str(path) for path in expected if not path.is_file()] == []
