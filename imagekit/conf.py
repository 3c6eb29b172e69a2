"""Settings for imagekit, with their defaults.

The defaults reach ``django.conf.settings`` through django-appconf, exactly as
in ImageKit, so code that reads ``settings.IMAGEKIT_CACHEFILE_DIR`` keeps
working. Each ``configure_*`` hook below turns the raw value into the value
documented in :doc:`/reference/settings`.
"""

from __future__ import annotations

import warnings
from typing import Any, Literal, overload

from appconf import AppConf
from django.conf import settings
from django.core.cache import DEFAULT_CACHE_ALIAS
from django.core.exceptions import ImproperlyConfigured

__all__ = ["ImageKitConf", "missing_source_policy", "setting", "settings"]

#: Seconds that generated-file states are remembered when ``DEBUG`` is on and
#: ``IMAGEKIT_CACHE_TIMEOUT`` is unset.
DEBUG_CACHE_TIMEOUT = 300

# Whether IMAGEKIT_CACHE_BACKEND was left unset. Under DEBUG an unset backend
# means "remember nothing" (see imagekit.utils.get_cache); an explicit
# IMAGEKIT_CACHE_BACKEND = "default" does not.
_cache_backend_defaulted = False

# True while django-appconf creates ImageKitConf below, which is when it calls
# the configure_* hooks with the project's values. An unknown cache alias is
# then let through, so that django.setup() succeeds and ``manage.py check``
# reports it (imagekit.E001) with a hint; get_cache() refuses it on first use.
_configuring = True


def cache_backend_was_defaulted() -> bool:
    """Return True if the project did not set ``IMAGEKIT_CACHE_BACKEND``."""
    return _cache_backend_defaulted


class ImageKitConf(AppConf):  # type: ignore[misc]  # django-appconf has no types
    CACHEFILE_NAMER = "imagekit.cachefiles.namers.hash"
    SPEC_CACHEFILE_NAMER = "imagekit.cachefiles.namers.source_name_as_path"
    CACHEFILE_DIR = "CACHE/images"
    DEFAULT_CACHEFILE_BACKEND = "imagekit.cachefiles.backends.Simple"
    DEFAULT_CACHEFILE_STRATEGY = "imagekit.cachefiles.strategies.JustInTime"

    DEFAULT_FILE_STORAGE = None

    CACHE_BACKEND = None
    CACHE_PREFIX = "imagekit:"
    CACHE_TIMEOUT = None
    USE_MEMCACHED_SAFE_CACHE_KEY = True

    # How many cache files each process remembers between requests
    # (imagekit.cachefiles.memory); 0 turns that memory off.
    LOCAL_STATE_SIZE = 10000
    # Deprecated, no effect: the memory is checked against the Django cache
    # on every request instead of being trusted for this many seconds.
    LOCAL_STATE_TIMEOUT = None

    # Largest image (width x height) a spec will decode; None: Pillow's own
    # limit (PIL.Image.MAX_IMAGE_PIXELS). Specs may set max_image_pixels.
    MAX_IMAGE_PIXELS = None
    # Largest image (width x height) a spec's processors may make, when it is
    # bigger than the source (imagekit.limits); None or 0: no cap. Specs may
    # set max_output_pixels. 4096x4096 covers a full-width image on a 5K
    # screen; an animation's frames count together.
    MAX_OUTPUT_PIXELS = 4096 * 4096
    # Most frames an animated GIF or WebP keeps when made into GIF or WebP
    # (imagekit.frames); past it, or past MAX_OUTPUT_PIXELS over all frames,
    # only the first frame is made, as in ImageKit.
    MAX_OUTPUT_FRAMES = 300
    # Turn images as their EXIF orientation says before the processors
    # (imagekit.orientation); False gives ImageKit's output exactly.
    APPLY_EXIF_ORIENTATION = True

    # Seconds a "generating" mark (and the lock behind it) lives: how long
    # other requests wait for a file being made, and how soon a file whose
    # generator died can be made again.
    GENERATING_TIMEOUT = 60

    # The task-queue cache file backends (docs/topics/scaling.rst). Queue
    # names are read when a task is sent; None for Celery leaves routing to
    # the project's Celery configuration.
    CELERY_QUEUE = None
    RQ_QUEUE = "default"
    # The dotted path of the RQ serializer for imagekit's jobs; None: the one
    # RQ_QUEUES configures for that queue, else RQ's default (stock workers).
    RQ_SERIALIZER = None
    DRAMATIQ_QUEUE = "default"
    DJANGO_TASKS_BACKEND = "default"
    DJANGO_TASKS_QUEUE = "default"
    # Seconds a file handed to a task queue stays marked "queued" (so that
    # other requests do not queue it again) unless a worker finishes sooner.
    QUEUED_TIMEOUT = 600

    # What the <img> form of the template tags does when a source is missing
    # (empty field, deleted file): "raise", "empty" (render nothing and log a
    # warning) or None: raise when DEBUG is true, else "empty".
    TEMPLATE_MISSING_SOURCE = None

    # {% picture %} (docs/topics/responsive.rst): the widths, <source>
    # formats, sizes and placeholder used when neither the tag nor the spec
    # gives them, and encoder options per format over the measured defaults.
    PICTURE_WIDTHS = (480, 960, 1440)
    PICTURE_FORMATS = ("avif", "webp")
    PICTURE_SIZES = "100vw"
    PICTURE_PLACEHOLDER = None
    PICTURE_OPTIONS: dict[str, dict[str, Any]] = {}

    # Delete the cache files made from a source file when its instance is
    # deleted or the file is cleared or replaced (after the transaction
    # commits). ImageSpecField(delete_with_source=...) overrides it per field.
    DELETE_WITH_SOURCE = False

    class Meta:
        prefix = "imagekit"

    def configure(self) -> dict[str, Any]:
        """Record whether ``IMAGEKIT_CACHE_BACKEND`` was left unset.

        appconf calls this once, when this class is created and before it
        writes the configured values onto ``django.conf.settings``, so the
        project's own value is still the one visible here. Doing it here rather
        than in ``configure_cache_backend`` keeps that hook free of side
        effects when it is called directly, as ImageKit allows.
        """
        global _cache_backend_defaulted  # noqa: PLW0603 - one flag, set at configure time
        _cache_backend_defaulted = getattr(settings, "IMAGEKIT_CACHE_BACKEND", None) is None
        if getattr(settings, "IMAGEKIT_LOCAL_STATE_TIMEOUT", None) is not None:
            warnings.warn(
                "IMAGEKIT_LOCAL_STATE_TIMEOUT has no effect and will be removed: each "
                "process now checks what it remembers against the Django cache on "
                "every request. Delete the setting.",
                DeprecationWarning,
                stacklevel=2,
            )
        # What AppConf.configure returns (appconf's metaclass does not support
        # zero-argument super() in AppConf subclasses).
        data: dict[str, Any] = self.configured_data
        return data

    def configure_cache_backend(self, value: str | None) -> str:
        """Resolve ``None`` to Django's default cache alias; reject unknown aliases."""
        if value is None:
            return DEFAULT_CACHE_ALIAS
        if value not in getattr(settings, "CACHES", {}) and not _configuring:
            raise unknown_cache_backend(value)
        return value

    def configure_cache_timeout(self, value: int | None) -> int | None:
        """Keep states for five minutes under DEBUG when no timeout is set.

        Compatibility: as in ImageKit, an unset timeout silently becomes 300
        seconds when ``DEBUG`` is true; otherwise ``None`` means "forever".
        """
        if value is None and settings.DEBUG:
            return DEBUG_CACHE_TIMEOUT
        return value

    def configure_default_file_storage(self, value: str | None) -> str:
        """Resolve ``None`` to the ``"default"`` alias of ``settings.STORAGES``."""
        if value is None:
            return "default"
        return value


_configuring = False


def unknown_cache_backend(alias: Any) -> ImproperlyConfigured:
    """Return the error for an ``IMAGEKIT_CACHE_BACKEND`` that names no cache."""
    return ImproperlyConfigured(
        f"IMAGEKIT_CACHE_BACKEND = {alias!r} is not present in settings.CACHES "
        f"(its keys: {', '.join(map(repr, getattr(settings, 'CACHES', {}))) or 'none'})."
    )


# Reading django.conf.settings costs about a microsecond per attribute (it is a
# lazy proxy); a warm page reads a handful of IMAGEKIT_* settings per image.
# setting() keeps the values it has read, and forgets them whenever Django
# says a setting changed (override_settings, the test "settings" fixture).
_values: dict[str, Any] = {}
_generation = 0  # see settings_generation()


_NO_DEFAULT: Any = object()

# The types of the IMAGEKIT_* settings imagekit uses as they are (dotted paths,
# aliases, names, numbers, switches), for setting()'s overloads below. The
# others (CACHES, the {% picture %} settings that are checked where they are
# used, settings without a default) are typed Any: a project may set anything.
_StrSetting = Literal[
    "IMAGEKIT_CACHEFILE_NAMER",
    "IMAGEKIT_SPEC_CACHEFILE_NAMER",
    "IMAGEKIT_CACHEFILE_DIR",
    "IMAGEKIT_DEFAULT_CACHEFILE_BACKEND",
    "IMAGEKIT_DEFAULT_CACHEFILE_STRATEGY",
    "IMAGEKIT_DEFAULT_FILE_STORAGE",
    "IMAGEKIT_CACHE_BACKEND",
    "IMAGEKIT_CACHE_PREFIX",
    "IMAGEKIT_RQ_QUEUE",
    "IMAGEKIT_DRAMATIQ_QUEUE",
    "IMAGEKIT_DJANGO_TASKS_BACKEND",
    "IMAGEKIT_DJANGO_TASKS_QUEUE",
]
_OptionalStrSetting = Literal["IMAGEKIT_CELERY_QUEUE", "IMAGEKIT_RQ_SERIALIZER"]
_IntSetting = Literal[
    "IMAGEKIT_LOCAL_STATE_SIZE",
    "IMAGEKIT_GENERATING_TIMEOUT",
    "IMAGEKIT_QUEUED_TIMEOUT",
]
_OptionalIntSetting = Literal[
    "IMAGEKIT_CACHE_TIMEOUT",
    "IMAGEKIT_MAX_IMAGE_PIXELS",
    "IMAGEKIT_MAX_OUTPUT_PIXELS",
    "IMAGEKIT_MAX_OUTPUT_FRAMES",
]
_BoolSetting = Literal["IMAGEKIT_USE_MEMCACHED_SAFE_CACHE_KEY", "IMAGEKIT_APPLY_EXIF_ORIENTATION"]


@overload
def setting(name: _StrSetting) -> str: ...
@overload
def setting(name: _OptionalStrSetting) -> str | None: ...
@overload
def setting(name: _IntSetting) -> int: ...
@overload
def setting(name: _OptionalIntSetting) -> int | None: ...
@overload
def setting(name: _BoolSetting) -> bool: ...
@overload
def setting(name: str, default: Any = ...) -> Any: ...


def setting(name: str, default: Any = _NO_DEFAULT) -> Any:
    """Return ``settings.<name>``, remembered until a setting changes.

    The one way imagekit reads its settings. *default* is for the few
    ``IMAGEKIT_*`` settings that have no default in :class:`ImageKitConf`
    (ImageKit read them with ``getattr``); without it a missing setting is
    an ``AttributeError``, as from ``django.conf.settings``.
    """
    try:
        return _values[name]
    except KeyError:
        pass
    if default is _NO_DEFAULT:
        value = getattr(settings, name)
    else:
        value = getattr(settings, name, default)
    _values[name] = value
    return value


def forget_settings(**kwargs: Any) -> None:
    """Receiver of ``setting_changed``: read every setting afresh.

    Connected by :func:`imagekit.receivers.connect_receivers`.
    """
    global _generation  # noqa: PLW0603 - one counter per process
    _values.clear()
    _generation += 1


def settings_generation() -> int:
    """Return a number that changes whenever Django says a setting changed.

    For what is computed from the settings and kept (the prototypes of
    :mod:`imagekit.thumbnails`): kept with this number, it is current while
    the number is the same.
    """
    return _generation


def missing_source_policy() -> str:
    """Return what templates do with a missing or unreadable source: "raise" or "empty".

    ``IMAGEKIT_TEMPLATE_MISSING_SOURCE``; None means "raise" under DEBUG and
    "empty" otherwise.
    """
    policy: str | None = setting("IMAGEKIT_TEMPLATE_MISSING_SOURCE", None)
    if policy is None:
        return "raise" if settings.DEBUG else "empty"
    if policy not in ("raise", "empty"):
        raise ImproperlyConfigured(
            f"IMAGEKIT_TEMPLATE_MISSING_SOURCE = {policy!r}; use 'raise', 'empty' or None."
        )
    return policy
