"""System checks (``manage.py check``) that point at configuration mistakes."""

from __future__ import annotations

import pytest
from django.core import checks
from django.db import models
from django.test.utils import isolate_apps

from imagekit import ImageSpec, register
from imagekit.checks import check_dotted_paths, check_spec_field_sources
from imagekit.models import ImageSpecField
from imagekit.processors import ResizeToFill

# The specs the models defined in these tests register are unregistered afterwards.
pytestmark = pytest.mark.usefixtures("registrations")


def test_installed_models_pass_both_checks():
    assert check_spec_field_sources() == []
    assert check_dotted_paths() == []


def test_an_image_spec_field_whose_source_is_no_field_is_an_error():
    with isolate_apps("tests") as registry:

        class Card(models.Model):
            picture = models.ImageField()
            thumb = ImageSpecField(source="pictur", processors=[ResizeToFill(4, 4)])

            class Meta:
                app_label = "tests"

        [message] = check_spec_field_sources(app_configs=[registry.get_app_config("tests")])

    assert (message.id, message.level, message.obj) == ("imagekit.E002", checks.ERROR, Card)
    assert "source='pictur'" in message.msg
    assert "'picture'" in message.hint


def test_a_setting_naming_a_path_that_does_not_import_is_an_error(settings):
    settings.IMAGEKIT_SPEC_CACHEFILE_NAMER = "imagekit.cachefiles.namers.no_such_namer"

    messages = check_dotted_paths()

    assert [(m.id, m.level) for m in messages] == [("imagekit.E003", checks.ERROR)]
    assert "IMAGEKIT_SPEC_CACHEFILE_NAMER = 'imagekit.cachefiles.namers.no_such_namer'" in (
        messages[0].msg
    )
    assert 'does not define "no_such_namer"' in messages[0].msg


def test_a_default_storage_that_is_neither_an_alias_nor_a_path_is_an_error(settings):
    settings.IMAGEKIT_DEFAULT_FILE_STORAGE = "thumbs"

    [message] = check_dotted_paths()

    assert message.id == "imagekit.E003"
    assert "nor is it a key of settings.STORAGES" in message.msg


def test_a_spec_fields_backend_that_does_not_import_is_an_error():
    with isolate_apps("tests") as registry:

        class Poster(models.Model):
            image = models.ImageField()
            thumb = ImageSpecField(
                source="image",
                processors=[ResizeToFill(4, 4)],
                cachefile_backend="myproject.backends.Missing",
            )

            class Meta:
                app_label = "tests"

        [message] = check_dotted_paths(app_configs=[registry.get_app_config("tests")])

    assert (message.id, message.obj) == ("imagekit.E003", Poster)
    assert "cachefile_backend='myproject.backends.Missing'" in message.msg


def test_a_registered_specs_strategy_that_does_not_import_is_an_error():
    class Banner(ImageSpec):
        processors = [ResizeToFill(4, 4)]
        cachefile_strategy = "myproject.strategies.Missing"

    register.generator("tests:banner", Banner)

    [message] = check_dotted_paths()

    assert message.id == "imagekit.E003"
    assert "cachefile_strategy='myproject.strategies.Missing' of the generator 'tests:banner'" in (
        message.msg
    )


def test_the_checks_are_registered_with_django(settings):
    settings.IMAGEKIT_CACHEFILE_NAMER = "nowhere.namer"

    assert "imagekit.E003" in [m.id for m in checks.run_checks(tags=["imagekit"])]
