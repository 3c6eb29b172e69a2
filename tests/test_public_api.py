"""Every public import path and name of django-imagekit 6.1 resolves (SPEC.md).

A project written for ImageKit must be able to switch to imagekit without
touching an import. These tests pin each path and name, and check that
re-exported objects are the very same objects as the ones they stand for
(pilkit's processors and exceptions, the registry singletons), because spec
hashes and ``except`` clauses depend on identity.
"""

from __future__ import annotations

import importlib
import pickle as stdlib_pickle
import sys

import pilkit.exceptions
import pilkit.processors
import pilkit.processors.base
import pilkit.processors.crop
import pilkit.processors.resize
import pilkit.processors.utils
import pilkit.utils
import pytest
from django import forms as django_forms
from django.conf import settings as django_settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files.images import ImageFile
from django.db import models as django_models
from django.db.models.fields.files import ImageFieldFile
from django.dispatch import Signal
from django.template.loader import get_template
from django.utils.functional import SimpleLazyObject

# --- §1: every public module path imports ------------------------------------

PUBLIC_MODULES = [
    "imagekit",
    "imagekit.conf",
    "imagekit.exceptions",
    "imagekit.signals",
    "imagekit.utils",
    "imagekit.hashers",
    "imagekit.registry",
    "imagekit.specs",
    "imagekit.specs.sourcegroups",
    "imagekit.generatorlibrary",
    "imagekit.cachefiles",
    "imagekit.cachefiles.backends",
    "imagekit.cachefiles.strategies",
    "imagekit.cachefiles.namers",
    "imagekit.cachefiles.state",
    "imagekit.files",
    "imagekit.models",
    "imagekit.models.fields",
    "imagekit.models.fields.files",
    "imagekit.models.fields.utils",
    "imagekit.forms",
    "imagekit.forms.fields",
    "imagekit.admin",
    "imagekit.processors",
    "imagekit.templatetags.imagekit",
    "imagekit.management.commands.generateimages",
    "imagekit.pkgmeta",
]


@pytest.mark.parametrize("module_name", PUBLIC_MODULES)
def test_public_module_can_be_imported(module_name):
    module = importlib.import_module(module_name)

    assert module.__name__ == module_name


# --- §1.1: the root package ---------------------------------------------------


def test_root_package_all_lists_exactly_imagekits_names():
    import imagekit

    assert sorted(imagekit.__all__) == sorted(
        [
            "ImageSpec",
            "conf",
            "generatorlibrary",
            "register",
            "unregister",
            "__title__",
            "__author__",
            "__version__",
            "__license__",
        ]
    )


def test_root_package_names_are_the_objects_of_their_home_modules():
    import imagekit
    import imagekit.conf
    import imagekit.generatorlibrary
    import imagekit.registry
    import imagekit.specs

    assert imagekit.ImageSpec is imagekit.specs.ImageSpec
    assert imagekit.register is imagekit.registry.register
    assert imagekit.unregister is imagekit.registry.unregister
    assert imagekit.conf is sys.modules["imagekit.conf"]
    assert imagekit.generatorlibrary is sys.modules["imagekit.generatorlibrary"]


def test_root_package_reports_version_6_1_1_under_the_bsd_licence():
    import imagekit

    assert imagekit.__version__ == "6.1.1"
    assert imagekit.__license__ == "BSD"


def test_pkgmeta_is_the_single_source_of_the_root_metadata():
    import imagekit
    from imagekit import pkgmeta

    assert (pkgmeta.__title__, pkgmeta.__author__, pkgmeta.__version__, pkgmeta.__license__) == (
        imagekit.__title__,
        imagekit.__author__,
        imagekit.__version__,
        imagekit.__license__,
    )
    assert isinstance(pkgmeta.__title__, str)
    assert pkgmeta.__title__
    assert isinstance(pkgmeta.__author__, str)
    assert pkgmeta.__author__


# --- §2: settings --------------------------------------------------------------


def test_conf_exports_the_appconf_class_and_django_settings():
    from appconf import AppConf

    from imagekit.conf import ImageKitConf, settings

    assert issubclass(ImageKitConf, AppConf)
    assert settings is django_settings


@pytest.mark.parametrize(
    "hook", ["configure_cache_backend", "configure_cache_timeout", "configure_default_file_storage"]
)
def test_imagekitconf_has_configure_hook(hook):
    from imagekit.conf import ImageKitConf

    assert callable(getattr(ImageKitConf(), hook))


# --- §3: exceptions ------------------------------------------------------------


@pytest.mark.parametrize("name", ["AlreadyRegistered", "NotRegistered", "MissingGeneratorId"])
def test_registry_exception_is_an_exception_class(name):
    from imagekit import exceptions

    assert issubclass(getattr(exceptions, name), Exception)


def test_missing_source_is_a_value_error_that_templates_swallow():
    from imagekit.exceptions import MissingSource

    assert issubclass(MissingSource, ValueError)
    # Outside DEBUG, with IMAGEKIT_TEMPLATE_MISSING_SOURCE unset, as in ImageKit:
    assert MissingSource("no source").silent_variable_failure is True


def test_specs_expose_missing_source_as_a_class_attribute():
    from imagekit.exceptions import MissingSource
    from imagekit.specs import BaseImageSpec, ImageSpec

    assert BaseImageSpec.MissingSource is MissingSource
    assert ImageSpec.MissingSource is MissingSource


def test_unknown_extension_and_format_errors_are_pilkits_classes():
    from imagekit import exceptions

    assert exceptions.UnknownExtensionError is pilkit.exceptions.UnknownExtension
    assert exceptions.UnknownFormatError is pilkit.exceptions.UnknownFormat
    assert exceptions.UnknownExtension is pilkit.exceptions.UnknownExtension
    assert exceptions.UnknownFormat is pilkit.exceptions.UnknownFormat


def test_invalid_file_backend_error_is_an_improperly_configured():
    from imagekit.cachefiles.backends import InvalidFileBackendError

    assert issubclass(InvalidFileBackendError, ImproperlyConfigured)


# --- §4 and §19: signals ---------------------------------------------------------

SIGNAL_NAMES = [
    "content_required",
    "existence_required",
    "source_saved",
    "source_created",
    "source_changed",
    "source_deleted",
]


@pytest.mark.parametrize("name", SIGNAL_NAMES)
def test_signal_is_a_django_signal(name):
    from imagekit import signals

    assert isinstance(getattr(signals, name), Signal)


def test_each_signal_is_a_separate_object():
    from imagekit import signals

    assert len({id(getattr(signals, name)) for name in SIGNAL_NAMES}) == len(SIGNAL_NAMES)


# --- §5: registry --------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "class_name"),
    [
        ("generator_registry", "GeneratorRegistry"),
        ("cachefile_registry", "CacheFileRegistry"),
        ("source_group_registry", "SourceGroupRegistry"),
        ("register", "Register"),
        ("unregister", "Unregister"),
    ],
)
def test_registry_singleton_is_an_instance_of_its_class(name, class_name):
    from imagekit import registry

    assert isinstance(getattr(registry, name), getattr(registry, class_name))


@pytest.mark.parametrize("verb", ["generator", "cachefiles", "source_group"])
def test_register_and_unregister_offer_the_same_verbs(verb):
    from imagekit.registry import register, unregister

    assert callable(getattr(register, verb))
    assert callable(getattr(unregister, verb))


# --- §6: cache files, backends, strategies, namers, state ------------------------


def test_cachefiles_exports_the_cache_file_classes():
    from imagekit.cachefiles import ImageCacheFile, LazyImageCacheFile
    from imagekit.files import BaseIKFile

    assert issubclass(ImageCacheFile, BaseIKFile)
    assert issubclass(ImageCacheFile, ImageFile)
    assert issubclass(LazyImageCacheFile, SimpleLazyObject)


def test_lazy_generated_image_file_is_lazy_image_cache_file():
    from imagekit.cachefiles import LazyGeneratedImageFile, LazyImageCacheFile

    assert LazyGeneratedImageFile is LazyImageCacheFile


@pytest.mark.parametrize("name", ["backends", "strategies", "namers", "state"])
def test_cachefiles_submodule_is_an_attribute_of_the_package(name):
    import imagekit.cachefiles

    assert getattr(imagekit.cachefiles, name) is sys.modules[f"imagekit.cachefiles.{name}"]


def test_cache_file_states_are_the_strings_stored_in_the_cache():
    from imagekit.cachefiles.backends import CacheFileState

    assert (CacheFileState.EXISTS, CacheFileState.GENERATING, CacheFileState.DOES_NOT_EXIST) == (
        "exists",
        "generating",
        "does_not_exist",
    )


@pytest.mark.parametrize(
    ("name", "base_name"),
    [
        ("Simple", "CachedFileBackend"),
        ("BaseAsync", "Simple"),
        ("Celery", "BaseAsync"),
        ("Async", "Celery"),
        ("RQ", "BaseAsync"),
        ("Dramatiq", "BaseAsync"),
    ],
)
def test_backend_class_extends_its_imagekit_base(name, base_name):
    from imagekit.cachefiles import backends

    assert issubclass(getattr(backends, name), getattr(backends, base_name))


def test_abstract_backend_names_the_minimal_interface():
    from imagekit.cachefiles.backends import AbstractCacheFileBackend

    assert callable(AbstractCacheFileBackend.generate)
    assert callable(AbstractCacheFileBackend.exists)


def test_cached_backend_remembers_a_missing_file_for_five_seconds():
    from imagekit.cachefiles.backends import CachedFileBackend

    assert CachedFileBackend.existence_check_timeout == 5


def test_only_async_backends_say_they_are_async():
    from imagekit.cachefiles.backends import BaseAsync, Simple

    assert BaseAsync.is_async is True
    assert getattr(Simple, "is_async", False) is False


def test_default_cachefile_backend_is_the_shared_simple_backend():
    from imagekit.cachefiles.backends import Simple, get_default_cachefile_backend

    backend = get_default_cachefile_backend()

    assert type(backend) is Simple
    assert get_default_cachefile_backend() is backend


@pytest.mark.parametrize("name", ["JustInTime", "Optimistic", "DictStrategy"])
def test_strategy_class_is_exported(name):
    from imagekit.cachefiles import strategies

    assert isinstance(getattr(strategies, name), type)


def test_load_strategy_is_exported():
    from imagekit.cachefiles.strategies import JustInTime, load_strategy

    assert isinstance(load_strategy(JustInTime), JustInTime)


@pytest.mark.parametrize("name", ["hash", "source_name_as_path", "source_name_dot_hash"])
def test_namer_is_a_function(name):
    from imagekit.cachefiles import namers

    assert callable(getattr(namers, name))


def test_state_module_exports_the_request_local_cache_helpers():
    from imagekit.cachefiles.state import (
        get_active_state_cache,
        prefetch_cachefile_states,
        use_cachefile_state_cache,
    )

    with use_cachefile_state_cache() as active:
        assert get_active_state_cache() is active
    assert get_active_state_cache() is None
    assert callable(prefetch_cachefile_states)


# --- §7: hashers ---------------------------------------------------------------


def test_hashers_exports_the_canonicalizing_pickler_and_pickle():
    from imagekit.hashers import CanonicalizingPickler, pickle

    assert issubclass(CanonicalizingPickler, stdlib_pickle._Pickler)
    assert pickle({"b": 1, "a": 2}) == pickle({"a": 2, "b": 1})


# --- §8: specs -------------------------------------------------------------------


def test_specs_export_the_spec_classes_and_helpers():
    from imagekit.specs import BaseImageSpec, ImageSpec, SpecHost, create_spec, create_spec_class

    assert issubclass(ImageSpec, BaseImageSpec)
    assert isinstance(SpecHost, type)
    assert issubclass(create_spec_class({"format": "PNG"}), ImageSpec)
    assert callable(create_spec)


def test_image_spec_class_defaults_match_imagekit():
    from imagekit.specs import ImageSpec

    assert (ImageSpec.processors, ImageSpec.format, ImageSpec.options, ImageSpec.autoconvert) == (
        [],
        None,
        None,
        True,
    )


def test_base_image_spec_defaults_to_the_just_in_time_strategy_path():
    from imagekit.specs import BaseImageSpec

    assert BaseImageSpec.cachefile_storage is None
    assert BaseImageSpec.cachefile_backend is None
    assert BaseImageSpec.cachefile_strategy == "imagekit.cachefiles.strategies.JustInTime"


# --- §9: generator library ------------------------------------------------------


def test_generatorlibrary_thumbnail_is_an_image_spec():
    from imagekit.generatorlibrary import Thumbnail
    from imagekit.specs import ImageSpec

    assert issubclass(Thumbnail, ImageSpec)


# --- §10: source groups ----------------------------------------------------------


def test_sourcegroups_export_the_groups_and_the_router():
    from imagekit.specs.sourcegroups import (
        ImageFieldSourceGroup,
        ModelSignalRouter,
        SourceGroupFilesGenerator,
        ik_model_receiver,
        signal_router,
    )

    assert isinstance(ImageFieldSourceGroup, type)
    assert isinstance(SourceGroupFilesGenerator, type)
    assert isinstance(signal_router, ModelSignalRouter)
    assert callable(ik_model_receiver)


def test_sourcegroups_is_an_attribute_of_the_specs_package():
    import imagekit.specs
    import imagekit.specs.sourcegroups

    assert imagekit.specs.sourcegroups is sys.modules["imagekit.specs.sourcegroups"]


# --- §11: model fields ---------------------------------------------------------


def test_models_package_reexports_the_fields_module_classes():
    from imagekit import models
    from imagekit.models import fields

    assert models.ImageSpecField is fields.ImageSpecField
    assert models.ProcessedImageField is fields.ProcessedImageField


def test_models_package_exposes_the_conf_module():
    from imagekit import models

    assert models.conf is sys.modules["imagekit.conf"]


def test_spec_host_field_is_a_spec_host():
    from imagekit.models.fields import ImageSpecField, SpecHostField
    from imagekit.specs import SpecHost

    assert issubclass(SpecHostField, SpecHost)
    assert issubclass(ImageSpecField, SpecHostField)


def test_image_spec_field_is_not_a_database_field():
    from imagekit.models import ImageSpecField

    assert not issubclass(ImageSpecField, django_models.Field)


def test_processed_image_field_is_an_image_field_with_a_processing_file_class():
    from imagekit.models import ProcessedImageField
    from imagekit.models.fields.files import ProcessedImageFieldFile
    from imagekit.specs import SpecHost

    assert issubclass(ProcessedImageField, django_models.ImageField)
    assert issubclass(ProcessedImageField, SpecHost)
    assert ProcessedImageField.attr_class is ProcessedImageFieldFile
    assert issubclass(ProcessedImageFieldFile, ImageFieldFile)


def test_image_spec_field_descriptor_lives_in_fields_utils():
    from imagekit.models.fields.utils import ImageSpecFileDescriptor
    from tests.testapp.models import Photo

    assert isinstance(Photo.__dict__["thumbnail"], ImageSpecFileDescriptor)


# --- §12: forms ----------------------------------------------------------------


def test_forms_package_reexports_the_form_field():
    from imagekit import forms
    from imagekit.forms import fields

    assert forms.ProcessedImageField is fields.ProcessedImageField
    assert issubclass(forms.ProcessedImageField, django_forms.ImageField)


# --- §13: admin ----------------------------------------------------------------


def test_admin_thumbnail_is_labelled_thumbnail_and_allows_tags():
    from imagekit.admin import AdminThumbnail

    assert str(AdminThumbnail.short_description) == "Thumbnail"
    assert AdminThumbnail.allow_tags is True


def test_admin_thumbnail_template_can_be_loaded():
    template = get_template("imagekit/admin/thumbnail.html")

    assert template.origin.name.replace("\\", "/").endswith(
        "imagekit/templates/imagekit/admin/thumbnail.html"
    )


# --- §14 and §15: template tags and the management command ------------------------


@pytest.mark.parametrize(
    "name",
    [
        "register",
        "generateimage",
        "thumbnail",
        "parse_dimensions",
        "parse_ik_tag_bits",
        "get_cachefile",
        "GenerateImageAssignmentNode",
        "GenerateImageTagNode",
        "ThumbnailAssignmentNode",
        "ThumbnailImageTagNode",
    ],
)
def test_templatetags_module_defines(name):
    tags = importlib.import_module("imagekit.templatetags.imagekit")

    assert hasattr(tags, name)


def test_templatetags_module_keeps_imagekits_constants():
    tags = importlib.import_module("imagekit.templatetags.imagekit")

    assert tags.ASSIGNMENT_DELIMETER == "as"
    assert tags.HTML_ATTRS_DELIMITER == "--"
    assert tags.DEFAULT_THUMBNAIL_GENERATOR == "imagekit:thumbnail"


def test_generateimages_module_defines_a_management_command():
    from django.core.management.base import BaseCommand

    command_module = importlib.import_module("imagekit.management.commands.generateimages")

    assert issubclass(command_module.Command, BaseCommand)


# --- §16: utils ----------------------------------------------------------------

IMAGEKIT_UTILS = [
    "get_nonabstract_descendants",
    "get_by_qname",
    "get_singleton",
    "autodiscover",
    "get_logger",
    "get_field_info",
    "generate",
    "call_strategy_method",
    "get_cache",
    "get_storage",
    "sanitize_cache_key",
]

PILKIT_UTILS = [
    "open_image",
    "process_image",
    "save_image",
    "img_to_fobj",
    "prepare_image",
    "extension_to_format",
    "format_to_extension",
    "extension_to_mimetype",
    "format_to_mimetype",
    "suggest_extension",
    "FileWrapper",
    "quiet",
    "DEFAULT_EXTENSIONS",
    "RGBA_TRANSPARENCY_FORMATS",
    "PALETTE_TRANSPARENCY_FORMATS",
    "UnknownExtension",
    "UnknownFormat",
]


@pytest.mark.parametrize("name", IMAGEKIT_UTILS)
def test_utils_defines_helper(name):
    from imagekit import utils

    assert callable(getattr(utils, name))


def test_utils_bad_memcached_key_chars_matches_whitespace_and_control_characters():
    from imagekit.utils import bad_memcached_key_chars

    assert bad_memcached_key_chars.sub("", "a b\tc\x00d\x1fe") == "abcde"


@pytest.mark.parametrize("name", PILKIT_UTILS)
def test_utils_reexports_pilkit_helper_unchanged(name):
    from imagekit import utils

    assert getattr(utils, name) is getattr(pilkit.utils, name)


def test_files_module_exports_the_file_classes():
    from django.core.files.base import ContentFile, File

    from imagekit.files import BaseIKFile, IKContentFile

    assert issubclass(BaseIKFile, File)
    assert issubclass(IKContentFile, ContentFile)


# --- §17: processors -------------------------------------------------------------

PROCESSORS_ALL = [
    "ProcessorPipeline",
    "Adjust",
    "Reflection",
    "Transpose",
    "Anchor",
    "MakeOpaque",
    "TrimBorderColor",
    "Crop",
    "SmartCrop",
    "Resize",
    "ResizeToCover",
    "ResizeToFill",
    "SmartResize",
    "ResizeCanvas",
    "AddBorder",
    "ResizeToFit",
    "Thumbnail",
]

PROCESSORS_EXTRAS = [
    "Convert",
    "GaussianBlur",
    "ColorOverlay",
    "Side",
    "detect_border_color",
    "histogram_entropy",
    "resolve_palette",
    "getattrsafe",
]


def test_processors_all_lists_exactly_the_seventeen_imagekit_names():
    import imagekit.processors

    assert sorted(imagekit.processors.__all__) == sorted(PROCESSORS_ALL)
    assert len(imagekit.processors.__all__) == 17


@pytest.mark.parametrize("name", PROCESSORS_ALL)
def test_processor_is_pilkits_own_object(name):
    import imagekit.processors

    assert getattr(imagekit.processors, name) is getattr(pilkit.processors, name)


@pytest.mark.parametrize("name", PROCESSORS_EXTRAS)
def test_processor_extra_is_reachable_as_an_attribute(name):
    import imagekit.processors

    assert getattr(imagekit.processors, name) is getattr(pilkit.processors, name)


@pytest.mark.parametrize("name", ["convert", "filter", "overlay"])
def test_pilkit_processor_submodule_is_reachable_as_an_attribute(name):
    import imagekit.processors

    assert getattr(imagekit.processors, name) is getattr(pilkit.processors, name)


@pytest.mark.parametrize(
    ("submodule", "name"),
    [
        ("base", "Adjust"),
        ("crop", "SmartCrop"),
        ("resize", "ResizeToFill"),
        ("utils", "histogram_entropy"),
    ],
)
def test_processor_submodule_attribute_works_without_importing_it(submodule, name):
    # ImageKit star-imported pilkit.processors, whose submodules came along:
    # ``imagekit.processors.resize.ResizeToFill`` works after a bare
    # ``import imagekit.processors``.
    import imagekit.processors

    module = getattr(imagekit.processors, submodule)

    assert getattr(module, name) is getattr(getattr(pilkit.processors, submodule), name)


DEPRECATED_PROCESSOR_MODULES = [
    (
        "imagekit.processors.base",
        "use imagekit.processors",
        pilkit.processors.base,
        ["ProcessorPipeline", "Adjust", "Reflection", "Transpose", "Anchor", "MakeOpaque"],
    ),
    (
        "imagekit.processors.crop",
        "use imagekit.processors",
        pilkit.processors.crop,
        ["TrimBorderColor", "Crop", "SmartCrop"],
    ),
    (
        "imagekit.processors.resize",
        "use imagekit.processors",
        pilkit.processors.resize,
        [
            "Resize",
            "ResizeToCover",
            "ResizeToFill",
            "SmartResize",
            "ResizeCanvas",
            "AddBorder",
            "ResizeToFit",
            "Thumbnail",
        ],
    ),
    (
        "imagekit.processors.utils",
        "use pilkit.processors.utils",
        pilkit.processors.utils,
        ["histogram_entropy", "resolve_palette", "color_count"],
    ),
]


def _import_afresh(monkeypatch, module_name):
    """Import *module_name* again; undo it (module and parent attribute) afterwards."""
    package_name, _, attr = module_name.rpartition(".")
    package = importlib.import_module(package_name)
    # Recorded even when absent, so the fresh module is dropped again afterwards.
    monkeypatch.setitem(sys.modules, module_name, sys.modules.get(module_name))
    monkeypatch.delitem(sys.modules, module_name)
    monkeypatch.setattr(package, attr, getattr(package, attr, None), raising=False)
    return importlib.import_module(module_name)


@pytest.mark.parametrize(
    ("module_name", "advice", "pilkit_module", "names"), DEPRECATED_PROCESSOR_MODULES
)
def test_deprecated_processor_module_warns_on_import(
    monkeypatch, module_name, advice, pilkit_module, names
):
    with pytest.warns(DeprecationWarning, match=f"{module_name} is deprecated.*{advice}"):
        _import_afresh(monkeypatch, module_name)


@pytest.mark.parametrize(
    ("module_name", "advice", "pilkit_module", "names"), DEPRECATED_PROCESSOR_MODULES
)
def test_deprecated_processor_module_still_offers_pilkits_objects(
    monkeypatch, module_name, advice, pilkit_module, names
):
    with pytest.warns(DeprecationWarning):
        shim = _import_afresh(monkeypatch, module_name)

    assert {name: getattr(shim, name) for name in names} == {
        name: getattr(pilkit_module, name) for name in names
    }
