"""Settings: appconf defaults, the configure_* hooks, and the helpers that read them."""

from __future__ import annotations

import hashlib
import io
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core import checks
from django.core.cache import caches
from django.core.exceptions import ImproperlyConfigured
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import InMemoryStorage, storages

from imagekit import generatorlibrary, utils
from imagekit.checks import check_cache_backend, check_image_codecs
from imagekit.conf import ImageKitConf
from imagekit.generatorlibrary import Thumbnail
from imagekit.utils import (
    generate,
    get_by_qname,
    get_cache,
    get_field_info,
    get_singleton,
    get_storage,
    sanitize_cache_key,
)
from tests.testapp.models import Photo

REPO_ROOT = Path(__file__).resolve().parent.parent

LOCMEM = "django.core.cache.backends.locmem.LocMemCache"
DUMMY = "django.core.cache.backends.dummy.DummyCache"


# --- defaults ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("IMAGEKIT_CACHEFILE_NAMER", "imagekit.cachefiles.namers.hash"),
        ("IMAGEKIT_SPEC_CACHEFILE_NAMER", "imagekit.cachefiles.namers.source_name_as_path"),
        ("IMAGEKIT_CACHEFILE_DIR", "CACHE/images"),
        ("IMAGEKIT_DEFAULT_CACHEFILE_BACKEND", "imagekit.cachefiles.backends.Simple"),
        ("IMAGEKIT_DEFAULT_CACHEFILE_STRATEGY", "imagekit.cachefiles.strategies.JustInTime"),
        ("IMAGEKIT_DEFAULT_FILE_STORAGE", "default"),
        ("IMAGEKIT_CACHE_BACKEND", "default"),
        ("IMAGEKIT_CACHE_TIMEOUT", None),
        ("IMAGEKIT_CACHE_PREFIX", "imagekit:"),
        ("IMAGEKIT_USE_MEMCACHED_SAFE_CACHE_KEY", True),
    ],
)
def test_setting_default_reaches_django_settings(name, value):
    # The test settings set none of these and DEBUG is False.
    assert getattr(django_settings, name) == value


def test_imagekit_conf_settings_is_django_settings_with_the_defaults():
    from imagekit.conf import settings

    assert settings.IMAGEKIT_CACHEFILE_DIR == "CACHE/images"
    assert settings.MEDIA_ROOT == django_settings.MEDIA_ROOT


def test_default_thumbnail_format_is_none():
    assert generatorlibrary.DEFAULT_THUMBNAIL_FORMAT is None
    assert Thumbnail(width=1, height=1, source=None).format is None


def test_default_thumbnail_format_is_read_once_at_import(settings):
    settings.IMAGEKIT_DEFAULT_THUMBNAIL_FORMAT = "WEBP"

    assert Thumbnail(width=1, height=1, source=None).format is None


def test_default_thumbnail_srcset_scales_is_read_once_at_import(settings):
    from imagekit.templatetags import imagekit as tags

    settings.IMAGEKIT_DEFAULT_THUMBNAIL_SRCSET_SCALES = [2]

    assert tags.DEFAULT_THUMBNAIL_SRCSET_SCALES is None


# --- configure_* hooks ----------------------------------------------------------------


def test_configure_default_file_storage_turns_none_into_the_default_alias():
    assert ImageKitConf().configure_default_file_storage(None) == "default"


def test_configure_default_file_storage_keeps_a_given_value():
    path = "django.core.files.storage.InMemoryStorage"

    assert ImageKitConf().configure_default_file_storage(path) == path


def test_configure_cache_backend_turns_none_into_the_default_alias():
    assert ImageKitConf().configure_cache_backend(None) == "default"


def test_configure_cache_backend_accepts_a_known_alias(settings):
    settings.CACHES = {
        "default": {"BACKEND": LOCMEM, "LOCATION": "imagekit-tests"},
        "states": {"BACKEND": LOCMEM, "LOCATION": "imagekit-states"},
    }

    assert ImageKitConf().configure_cache_backend("states") == "states"


def test_configure_cache_backend_rejects_an_unknown_alias_naming_it():
    with pytest.raises(ImproperlyConfigured, match="no-such-cache") as excinfo:
        ImageKitConf().configure_cache_backend("no-such-cache")

    assert "is not present in settings.CACHES" in str(excinfo.value)


def test_calling_configure_cache_backend_directly_does_not_change_get_cache(settings):
    settings.DEBUG = True

    ImageKitConf().configure_cache_backend("default")
    get_cache().set("key", "value")

    assert get_cache().get("key") is None


def test_configure_cache_timeout_is_five_minutes_under_debug(settings):
    settings.DEBUG = True

    assert ImageKitConf().configure_cache_timeout(None) == 300


def test_configure_cache_timeout_is_forever_without_debug(settings):
    settings.DEBUG = False

    assert ImageKitConf().configure_cache_timeout(None) is None


def test_configure_cache_timeout_keeps_a_given_timeout_under_debug(settings):
    settings.DEBUG = True

    assert ImageKitConf().configure_cache_timeout(60) == 60


# --- get_storage ------------------------------------------------------------------------


@pytest.fixture
def thumbs_storage_alias(settings):
    settings.STORAGES = {
        **django_settings.STORAGES,
        "thumbs": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }
    return "thumbs"


def test_get_storage_defaults_to_the_default_storage():
    assert get_storage() is storages["default"]


def test_get_storage_resolves_a_storages_alias(settings, thumbs_storage_alias):
    settings.IMAGEKIT_DEFAULT_FILE_STORAGE = thumbs_storage_alias

    assert get_storage() is storages["thumbs"]


def test_get_storage_falls_back_to_a_dotted_class_path(settings):
    settings.IMAGEKIT_DEFAULT_FILE_STORAGE = "django.core.files.storage.InMemoryStorage"

    assert type(get_storage()) is InMemoryStorage


def test_get_storage_builds_a_dotted_class_path_once(settings):
    settings.IMAGEKIT_DEFAULT_FILE_STORAGE = "django.core.files.storage.InMemoryStorage"

    assert get_storage() is get_storage()


def test_get_storage_with_an_unknown_alias_and_no_dots_is_improperly_configured(settings):
    settings.IMAGEKIT_DEFAULT_FILE_STORAGE = "nowhere"

    with pytest.raises(ImproperlyConfigured, match="nowhere isn't a file storage backend module"):
        get_storage()


# --- get_cache -------------------------------------------------------------------------


def test_get_cache_returns_the_default_cache():
    assert get_cache() is caches["default"]


def test_get_cache_returns_the_configured_alias(settings):
    settings.CACHES = {
        "default": {"BACKEND": LOCMEM, "LOCATION": "imagekit-tests"},
        "states": {"BACKEND": LOCMEM, "LOCATION": "imagekit-states"},
    }
    settings.IMAGEKIT_CACHE_BACKEND = "states"

    assert get_cache() is caches["states"]


def test_get_cache_remembers_nothing_under_debug_when_the_backend_was_not_set(settings):
    settings.DEBUG = True

    cache = get_cache()
    cache.set("imagekit:key", "exists")

    assert cache.get("imagekit:key") is None
    assert cache is not caches["default"]


def _run_in_fresh_process(settings_kwargs, code):
    """Configure Django in a new interpreter with *settings_kwargs*, run *code*."""
    script = textwrap.dedent(
        f"""
        import django
        from django.conf import settings
        settings.configure(
            INSTALLED_APPS=["imagekit"],
            CACHES={{"default": {{"BACKEND": {LOCMEM!r}}}}},
            **{settings_kwargs!r},
        )
        django.setup()
        """
    ) + textwrap.dedent(code)
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_an_unknown_cache_backend_in_the_settings_file_is_a_check_not_a_setup_failure():
    output = _run_in_fresh_process(
        {"IMAGEKIT_CACHE_BACKEND": "no-such-cache"},
        """
        from django.core import checks
        messages = checks.run_checks(tags=["imagekit"])
        for message in messages:
            if message.id == "imagekit.E001":
                print(message.msg)
                print(message.hint)
        """,
    )

    message, hint = output.splitlines()
    assert "'no-such-cache'" in message
    assert "'default'" in hint


def test_an_unknown_cache_backend_is_refused_naming_it_on_first_use():
    output = _run_in_fresh_process(
        {"IMAGEKIT_CACHE_BACKEND": "no-such-cache"},
        """
        from django.core.exceptions import ImproperlyConfigured
        from imagekit.utils import get_cache
        try:
            get_cache()
        except ImproperlyConfigured as exc:
            print(exc)
        """,
    )

    assert "IMAGEKIT_CACHE_BACKEND = 'no-such-cache' is not present in settings.CACHES" in output
    assert "'default'" in output


def test_an_explicit_cache_backend_is_a_real_cache_even_under_debug():
    output = _run_in_fresh_process(
        {"DEBUG": True, "IMAGEKIT_CACHE_BACKEND": "default"},
        """
        from imagekit.utils import get_cache
        print(type(get_cache()).__name__)
        """,
    )

    assert output == "LocMemCache"


def test_an_unset_cache_backend_is_a_dummy_cache_under_debug_in_a_fresh_process():
    output = _run_in_fresh_process(
        {"DEBUG": True},
        """
        from imagekit.utils import get_cache
        print(type(get_cache()).__name__)
        """,
    )

    assert output == "DummyCache"


def _deprecation_warnings_at_setup(**settings_kwargs):
    """Return the DeprecationWarning messages of configuring and setting up Django."""
    script = textwrap.dedent(
        f"""
        import warnings
        import django
        from django.conf import settings
        settings.configure(
            INSTALLED_APPS=["imagekit"],
            CACHES={{"default": {{"BACKEND": {LOCMEM!r}}}}},
            **{settings_kwargs!r},
        )
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            django.setup()
        for warning in caught:
            if warning.category is DeprecationWarning:
                print(warning.message)
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO_ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_setting_the_deprecated_local_state_timeout_warns():
    messages = _deprecation_warnings_at_setup(IMAGEKIT_LOCAL_STATE_TIMEOUT=600)

    assert "IMAGEKIT_LOCAL_STATE_TIMEOUT has no effect" in messages


def test_leaving_the_local_state_timeout_unset_does_not_warn():
    messages = _deprecation_warnings_at_setup()

    assert "IMAGEKIT_LOCAL_STATE_TIMEOUT" not in messages


# --- sanitize_cache_key ----------------------------------------------------------------


def test_sanitize_cache_key_removes_whitespace_and_control_characters():
    assert sanitize_cache_key("imagekit: a b\tc\nd\x00e\x1f-state") == "imagekit:abcde-state"


def test_sanitize_cache_key_keeps_a_199_character_key():
    key = "k" * 199

    assert sanitize_cache_key(key) == key


def test_sanitize_cache_key_shortens_a_200_character_key_with_its_md5():
    key = "k" * 200

    assert sanitize_cache_key(key) == "k" * 167 + ":" + hashlib.md5(key.encode()).hexdigest()


def test_sanitize_cache_key_shortened_key_is_200_characters():
    assert len(sanitize_cache_key("x" * 500)) == 200


def test_sanitize_cache_key_hashes_the_original_unsanitised_key():
    key = "a b" * 150

    expected = ("ab" * 150)[:167] + ":" + hashlib.md5(key.encode("utf-8")).hexdigest()

    assert sanitize_cache_key(key) == expected


def test_sanitize_cache_key_measures_the_length_after_sanitising():
    key = "k" * 199 + " " * 10

    assert sanitize_cache_key(key) == "k" * 199


def test_sanitize_cache_key_does_nothing_when_disabled(settings):
    settings.IMAGEKIT_USE_MEMCACHED_SAFE_CACHE_KEY = False
    key = "imagekit: a b" + "k" * 300

    assert sanitize_cache_key(key) == key


# --- get_by_qname / get_singleton ------------------------------------------------------


def test_get_by_qname_returns_the_named_object():
    from imagekit.cachefiles import namers

    assert get_by_qname("imagekit.cachefiles.namers.hash", "namer") is namers.hash


def test_get_by_qname_without_a_dot_is_improperly_configured():
    with pytest.raises(ImproperlyConfigured) as excinfo:
        get_by_qname("justaname", "namer")

    assert str(excinfo.value) == "justaname isn't a namer module."


def test_get_by_qname_of_a_missing_module_is_improperly_configured():
    with pytest.raises(ImproperlyConfigured) as excinfo:
        get_by_qname("imagekit.no_such_module.thing", "namer")

    assert str(excinfo.value).startswith(
        'Error importing namer module imagekit.no_such_module: "No module named'
    )


def test_get_by_qname_of_a_missing_attribute_is_improperly_configured():
    with pytest.raises(ImproperlyConfigured) as excinfo:
        get_by_qname("imagekit.cachefiles.namers.no_such_namer", "namer")

    assert str(excinfo.value) == (
        'Namer module "imagekit.cachefiles.namers" does not define "no_such_namer"'
    )


def test_get_by_qname_errors_chain_the_original_exception():
    with pytest.raises(ImproperlyConfigured) as excinfo:
        get_by_qname("imagekit.no_such_module.thing", "namer")

    assert isinstance(excinfo.value.__cause__, ImportError)


def test_get_singleton_returns_one_instance_per_path():
    first = get_singleton("imagekit.cachefiles.strategies.Optimistic", "cache file strategy")

    assert get_singleton("imagekit.cachefiles.strategies.Optimistic", "strategy") is first


def test_get_singleton_returns_one_instance_per_class_whatever_the_path():
    short = get_singleton("django.core.files.storage.InMemoryStorage", "storage")
    full = get_singleton("django.core.files.storage.memory.InMemoryStorage", "storage")

    assert short is full


def test_get_singleton_reports_a_missing_class_like_get_by_qname():
    with pytest.raises(ImproperlyConfigured) as excinfo:
        get_singleton("imagekit.cachefiles.backends.Nope", "file backend")

    assert str(excinfo.value) == (
        'File backend module "imagekit.cachefiles.backends" does not define "Nope"'
    )


# --- get_field_info / generate ----------------------------------------------------------


def test_get_field_info_of_a_model_file_gives_the_instance_and_field_name():
    photo = Photo(original_image="photos/a.jpg")

    assert get_field_info(photo.original_image) == (photo, "original_image")


def test_get_field_info_of_a_plain_file_gives_none_twice():
    assert get_field_info(File(io.BytesIO(b""), name="a.jpg")) == (None, None)


def test_get_field_info_of_none_gives_none_twice():
    assert get_field_info(None) == (None, None)


class _BytesGenerator:
    def __init__(self, data, leave_at_end=False):
        self.data = data
        self.leave_at_end = leave_at_end

    def generate(self):
        content = io.BytesIO(self.data)
        if self.leave_at_end:
            content.seek(0, io.SEEK_END)
        return content


def test_generate_wraps_the_output_in_a_file_with_its_size():
    wrapped = generate(_BytesGenerator(b"123456789"))

    assert isinstance(wrapped, File)
    assert wrapped.size == 9


def test_generate_rewinds_the_output():
    wrapped = generate(_BytesGenerator(b"123456789"))

    assert wrapped.read() == b"123456789"


def test_generate_sizes_output_left_at_its_end():
    wrapped = generate(_BytesGenerator(b"123456789", leave_at_end=True))

    assert wrapped.size == 9
    assert wrapped.read() == b"123456789"


def test_generate_output_of_a_spec_can_be_saved_to_a_storage(make_image):
    from imagekit import ImageSpec

    class Png(ImageSpec):
        format = "PNG"

    storage = InMemoryStorage()
    wrapped = generate(Png(source=ContentFile(make_image("PNG"), name="a.png")))

    name = storage.save("out.png", wrapped)

    assert storage.size(name) == wrapped.size > 0


# --- system checks ---------------------------------------------------------------------


def test_cache_backend_check_passes_with_a_real_cache():
    assert check_cache_backend() == []


def test_cache_backend_check_reports_an_unknown_alias(settings):
    settings.IMAGEKIT_CACHE_BACKEND = "vanished"

    messages = check_cache_backend()

    assert [(m.id, m.level) for m in messages] == [("imagekit.E001", checks.ERROR)]
    assert "'vanished'" in messages[0].msg


def test_cache_backend_check_warns_about_a_dummy_cache(settings):
    settings.CACHES = {
        "default": {"BACKEND": LOCMEM, "LOCATION": "imagekit-tests"},
        "nothing": {"BACKEND": DUMMY},
    }
    settings.IMAGEKIT_CACHE_BACKEND = "nothing"

    messages = check_cache_backend()

    assert [(m.id, m.level) for m in messages] == [("imagekit.W001", checks.WARNING)]


def test_cache_backend_check_accepts_the_debug_dummy_cache(settings):
    # Under DEBUG an unset IMAGEKIT_CACHE_BACKEND deliberately remembers nothing.
    settings.DEBUG = True
    settings.CACHES = {"default": {"BACKEND": DUMMY}}

    assert check_cache_backend() == []


def test_cache_backend_check_is_registered_with_django(settings):
    settings.IMAGEKIT_CACHE_BACKEND = "vanished"

    messages = checks.run_checks(tags=["imagekit"])

    assert "imagekit.E001" in [m.id for m in messages]


def test_image_codecs_check_warns_about_missing_codecs(monkeypatch):
    from PIL import features

    monkeypatch.setattr(features, "check", lambda codec: codec != "webp")

    messages = check_image_codecs()

    assert [m.id for m in messages] == ["imagekit.W002"]
    assert "webp" in messages[0].msg


def test_image_codecs_check_is_silent_when_every_codec_is_there(monkeypatch):
    from PIL import features

    monkeypatch.setattr(features, "check", lambda codec: True)

    assert check_image_codecs() == []


def test_utils_module_get_cache_is_the_one_backends_use():
    from imagekit.cachefiles.backends import Simple

    assert Simple().cache is utils.get_cache()
