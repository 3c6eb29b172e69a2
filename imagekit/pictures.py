"""Responsive pictures: several widths, AVIF and WebP, a fallback, a placeholder.

:func:`build_picture` turns one declaration (a geometry, a generator id or a
cache file; a source; widths, formats, sizes, a placeholder kind) into a
:class:`Picture`, and :func:`render_picture` turns that into the HTML of a
``<picture>`` element. The ``{% picture %}`` template tag, the Jinja2
extension and the REST framework field are built on these two functions, so
they all give the same output.

Every width x format is a cache file (a *variant*) made by the
:class:`PictureVariant` spec, registered as ``imagekit:picture``, and named by
``IMAGEKIT_SPEC_CACHEFILE_NAMER`` like any spec's file. The variants of a
picture that are missing are made together by :func:`generate_variants`: one
decode of the source, a resize per width, an encode per format, each file
written atomically under its own generation lock. What the picture learnt
when its variants were made (how wide the source can go, the placeholder) is
kept beside the state of its *base* file under ``<prefix><name>-picture``,
and read in the same round trip as the variants' states.
"""

from __future__ import annotations

import base64
import io
import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from django.utils.safestring import SafeString
from PIL import Image, features
from pilkit.processors import ProcessorPipeline, ResizeToFit

from . import heif, limits
from .arguments import check_anchor
from .cachefiles import ImageCacheFile, save_atomically
from .cachefiles.backends import lock
from .cachefiles.backends.base import CachedFileBackend, CacheFileState
from .cachefiles.strategies import Optimistic
from .conf import setting
from .exceptions import MissingSource, MissingSourceFile, SourceImageError
from .orientation import EXIF_ORIENTATION, with_orientation
from .processors import Thumbnail as ThumbnailProcessor
from .registry import ORIGIN_ATTRIBUTE, generator_registry, register
from .specs import ImageSpec, _binary_stream, _label, encode, open_source
from .utils import escape_for_html as _escape
from .utils import get_storage, open_image, sanitize_cache_key

if TYPE_CHECKING:
    from collections.abc import Callable

    from django.core.files.storage import Storage

    from ._typing import Named, Processor

__all__ = [
    "ENCODER_DEFAULTS",
    "MODERN_FORMATS",
    "PLACEHOLDER_KINDS",
    "Picture",
    "PictureImage",
    "PictureSource",
    "PictureVariant",
    "build_picture",
    "check_placeholder",
    "check_sizes",
    "declared_names",
    "generate_declared",
    "generate_variants",
    "parse_formats",
    "parse_widths",
    "render_picture",
]

#: The formats a ``<source>`` may offer, by the name templates use.
MODERN_FORMATS = {"avif": "AVIF", "webp": "WEBP"}
MIME_TYPES = {
    "AVIF": "image/avif",
    "WEBP": "image/webp",
    "JPEG": "image/jpeg",
    "PNG": "image/png",
    "GIF": "image/gif",
}
#: The fallback ``<img>`` keeps the source's format if it is one of these.
FALLBACK_FORMATS = {".jpg": "JPEG", ".jpeg": "JPEG", ".png": "PNG", ".gif": "GIF"}
PLACEHOLDER_KINDS = ("blur", "color")

#: Encoder options used unless a spec (``picture_options``), the setting
#: ``IMAGEKIT_PICTURE_OPTIONS`` or the tag (``quality=``) says otherwise.
#: Chosen from measurements: see docs/topics/responsive.rst.
ENCODER_DEFAULTS: dict[str, dict[str, Any]] = {
    "AVIF": {"quality": 75, "speed": 9},
    "WEBP": {"quality": 80, "method": 2},
}

MAX_QUALITY = 100

#: The widest variant accepted (a typo is far likelier than a 16K screen).
MAX_WIDTH = 8192

_GEOMETRY = re.compile(r"^\s*(\d*)\s*x\s*(\d*)\s*$")
_LENGTH = re.compile(
    r"(\d+(\.\d+)?|\.\d+)(px|em|rem|vw|vh|vmin|vmax|svw|lvw|dvw|ch|ex|cm|mm|in|pt|pc|q)$|0$",
    re.IGNORECASE,
)
_BLUR_SIDE = 16


# --- checking what templates give -------------------------------------------------


def parse_widths(value: Any, origin: str = "widths") -> list[int]:
    """Return the widths *value* stands for (``"320 640"``, ``[320, 640]``, ``320``), sorted.

    Duplicates collapse. Raise ``ValueError`` naming *origin* and the bad value
    for anything but whole numbers from 1 to :data:`MAX_WIDTH`.
    """
    if isinstance(value, str):
        parts: list[Any] = value.replace(",", " ").split()
    elif isinstance(value, (list, tuple, set, frozenset)):
        parts = list(value)
    else:
        parts = [value]
    if not parts:
        raise ValueError(f"{origin}: give at least one width, such as widths='320 640'.")
    widths = set()
    for part in parts:
        try:
            if isinstance(part, bool) or (isinstance(part, float) and not part.is_integer()):
                raise TypeError
            width = int(part)
        except (TypeError, ValueError):
            raise ValueError(
                f"{origin}: {part!r} is not a width; give whole numbers of pixels such as "
                "widths='320 640 1280'."
            ) from None
        if not 1 <= width <= MAX_WIDTH:
            raise ValueError(f"{origin}: {part!r} is not a width from 1 to {MAX_WIDTH} pixels.")
        widths.add(width)
    return sorted(widths)


def parse_formats(value: Any, origin: str = "formats") -> list[str]:
    """Return the Pillow names of the modern formats *value* names (``"avif webp"``), in order.

    An empty value means no ``<source>`` at all. Raise ``ValueError`` naming
    *origin* for a format that is not AVIF or WebP, or that this Pillow
    cannot write.
    """
    if isinstance(value, str):
        parts: list[Any] = value.replace(",", " ").split()
    elif isinstance(value, (list, tuple)):
        parts = list(value)
    elif value is None:
        parts = []
    else:
        parts = [value]
    formats: list[str] = []
    for part in parts:
        fmt = MODERN_FORMATS.get(str(part).lower()) if isinstance(part, str) else None
        if fmt is None:
            raise ValueError(
                f"{origin}: {part!r} is not a format a <source> can offer; use 'avif', "
                "'webp' or both (the <img> fallback is chosen from the source)."
            )
        if not features.check(fmt.lower()):
            hint = " (Pillow 11.3 and later ship AVIF in their wheels)" if fmt == "AVIF" else ""
            raise ValueError(f"{origin}: this Pillow cannot write {fmt}{hint}.")
        if fmt not in formats:
            formats.append(fmt)
    return formats


def check_sizes(value: Any, origin: str = "sizes") -> str:
    """Return *value* if it reads as a ``sizes`` attribute; else raise ``ValueError``.

    Each comma-separated entry must end with a length (``50vw``, ``320px``,
    ``calc(...)``) or be ``auto``; media conditions before it are not parsed.
    """
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{origin}: {value!r} is not a sizes value such as '100vw'.")
    for raw in value.split(","):
        entry = raw.strip()
        last = entry.rsplit(None, 1)[-1] if entry else ""
        if (entry.endswith(")") and "calc(" in entry) or last.lower() == "auto":
            continue
        if not _LENGTH.match(last):
            raise ValueError(
                f"{origin}: {entry!r} in {value!r} does not end with a length such as "
                "'50vw' or '320px'."
            )
    return value.strip()


def check_placeholder(value: Any, origin: str = "placeholder") -> str | None:
    """Return the placeholder kind *value* names (None for none); else raise ``ValueError``."""
    if value in (None, "", "none", False):
        return None
    if value not in PLACEHOLDER_KINDS:
        raise ValueError(
            f"{origin}: {value!r} is not a placeholder; use 'blur', 'color' or 'none'."
        )
    kind: str = value  # one of PLACEHOLDER_KINDS
    return kind


def _parse_geometry(text: str) -> tuple[int | None, int | None] | None:
    match = _GEOMETRY.match(text)
    if not match or not (match.group(1) or match.group(2)):
        return None
    width, height = (int(g) if g else 0 for g in match.groups())
    if not width and not height:
        return None
    return width or None, height or None


# --- the variant spec ---------------------------------------------------------------


class PictureVariant(ImageSpec):
    """One width x format of a picture: a cache file like any spec's.

    With *base* (a generator id, and *base_kwargs* for it) the variant is the
    base spec's output with a final ``ResizeToFit(width)``. Without it, it is
    a thumbnail *width* x *height* (the geometry's box at that width) of the
    source, with *anchor*, *crop* and *upscale* as ``{% thumbnail %}`` has them.
    The name comes from ``IMAGEKIT_SPEC_CACHEFILE_NAMER``: the source's name,
    the hash of the processors, the format and the options.
    """

    def __init__(
        self,
        source: Any = None,
        width: int = 0,
        format: str = "JPEG",
        height: int | None = None,
        anchor: Any = None,
        crop: bool | None = None,
        upscale: bool | None = None,
        base: str | None = None,
        base_kwargs: dict[str, Any] | None = None,
        options: dict[str, Any] | None = None,
    ):
        self._args = (width, height, anchor, crop, upscale, base, base_kwargs, format, options)
        self.format = format
        self.options = options
        check_anchor(anchor, "anchor")
        super().__init__(source=source)

    # The base spec, built once (build_picture shares one between the variants).
    def _base_spec(self) -> Any:
        base = self.__dict__.get("_base")
        if base is None and self._args[5] is not None:
            base = generator_registry.get(
                self._args[5], source=self.source, **(self._args[6] or {})
            )
            self.__dict__["_base"] = base
        return base

    def base_processors(self) -> list[Processor]:
        """The processors that come before the final resize."""
        width, height, anchor, crop, upscale, base = self._args[:6]
        if base is None:
            return [ThumbnailProcessor(width, height, anchor=anchor, crop=crop, upscale=upscale)]
        return list(self._base_spec().processors or [])

    def final_processors(self) -> list[Processor]:
        """The resize after :meth:`base_processors` (none for a geometry)."""
        width, _height, _anchor, _crop, upscale, base = self._args[:6]
        if base is None:
            return []
        return [ResizeToFit(width=width, upscale=bool(upscale))]

    @property
    def processors(self) -> list[Processor]:
        processors = self.__dict__.get("_processors")
        if processors is None:
            processors = self.__dict__["_processors"] = (
                self.base_processors() + self.final_processors()
            )
        return processors

    @property
    def picture_base(self) -> str | None:
        """The generator id of the spec the variant is made from (None for a geometry)."""
        return self._args[5]

    @property
    def autoconvert(self) -> bool:  # type: ignore[override]
        base = self._base_spec()
        return True if base is None else base.autoconvert

    def _hash_tail_key(
        self, processors: Any, fmt: Any, options: Any, autoconvert: Any
    ) -> tuple[Any, tuple[Any, ...]] | None:
        # Named by the constructor's arguments (and the base spec's own tail).
        if "_processors" in self.__dict__ and processors is not self.__dict__["_processors"]:
            return None
        if fmt != self._args[7] or options is not self._args[8]:
            return None
        base_tail: tuple[Any, tuple[Any, ...]] | None = (None, ())
        if self._args[5] is not None:
            base_tail = self._base_spec()._name_tail_key()
            if base_tail is None:
                return None
        try:
            args = _typed(self._args)
        except TypeError:
            return None
        # Not None: returned above.
        return (type(self), args, base_tail[0]), (options, base_tail[1])  # type: ignore[index]

    def _name_tail_key(self) -> tuple[Any, tuple[Any, ...]] | None:
        return self._hash_tail_key(
            self.__dict__.get("_processors"), self.format, self.options, None
        )


def _typed(value: Any) -> Any:
    """A hashable form of *value* in which 1, 1.0 and True differ (as pickles do)."""
    if isinstance(value, dict):
        return (dict, tuple(sorted((k, _typed(v)) for k, v in value.items())))
    if isinstance(value, (list, tuple)):
        return (type(value), tuple(_typed(v) for v in value))
    hash(value)
    return (type(value), value)


register.generator("imagekit:picture", PictureVariant)


# --- the picture --------------------------------------------------------------------


@dataclass
class Placeholder:
    """What shows in the image's box until the image has loaded."""

    #: ``"blur"`` or ``"color"``.
    kind: str
    #: A ``data:`` URI (blur) or a ``#rrggbb`` colour.
    value: str

    @property
    def style(self) -> str:
        """The CSS declarations that paint it as the ``<img>``'s background."""
        if self.kind == "color":
            return f"background-color:{self.value}"
        return f'background-size:cover;background-image:url("{self.value}")'

    def __str__(self) -> str:
        return self.value


class _Entry:
    """One variant in a srcset: its width descriptor, format and name."""

    __slots__ = ("_plan", "_url", "_width", "format", "name", "storage", "width")

    def __init__(
        self, width: int, fmt: str, name: str, storage: Storage, plan: _Plan, key_width: int
    ):
        self.width = width
        self.format = fmt
        self.name = name
        self.storage = storage
        self._plan = plan
        self._width = key_width
        self._url: str | None = None

    @property
    def url(self) -> str:
        # The storage's URL, without the file's existence_required: the
        # picture has already done what the strategy says, for all variants
        # at once (one task, one decode). Asked once (src is in srcset too).
        url = self._url
        if url is None:
            url = self._url = self.storage.url(self.name)
        return url

    @property
    def file(self) -> ImageCacheFile:
        return self._plan.file(self._width, self.format)


class _Widths:
    """What a ``<source>`` and the ``<img>`` both offer: one variant per width."""

    entries: list[_Entry]

    @property
    def srcset(self) -> str:
        """``"URL 320w, URL 640w"``."""
        return ", ".join(f"{entry.url} {entry.width}w" for entry in self.entries)

    @property
    def files(self) -> list[ImageCacheFile]:
        """The variants' cache files, narrowest first."""
        return [entry.file for entry in self.entries]

    @property
    def widths(self) -> list[int]:
        return [entry.width for entry in self.entries]


@dataclass
class PictureSource(_Widths):
    """One ``<source>``: a modern format at every width."""

    format: str
    sizes: str
    entries: list[_Entry] = field(repr=False)

    @property
    def type(self) -> str:
        """The MIME type (``image/avif``)."""
        return MIME_TYPES[self.format]


@dataclass
class PictureImage(_Widths):
    """The ``<img>``: the fallback format, at every width, and its ``src``."""

    format: str
    sizes: str
    entries: list[_Entry] = field(repr=False)
    dimensions: tuple[int, int] | None = None

    @property
    def file(self) -> ImageCacheFile:
        """The ``src`` variant's cache file (the widest one)."""
        file = self.entries[-1].file
        if self.dimensions and getattr(file, "_dimensions_cache", None) is None:
            file._dimensions_cache = self.dimensions
        return file

    @property
    def url(self) -> str:
        return self.entries[-1].url

    @property
    def width(self) -> int | None:
        return self.dimensions[0] if self.dimensions else None

    @property
    def height(self) -> int | None:
        return self.dimensions[1] if self.dimensions else None

    @property
    def type(self) -> str:
        return MIME_TYPES.get(self.format, "image/jpeg")


@dataclass
class Picture:
    """What ``{% picture ... as pic %}`` puts in the context.

    ``img`` (:class:`PictureImage`), ``sources`` (:class:`PictureSource`, in
    the order the formats were given; formats whose variants are not made yet
    under a task queue are left out) and ``placeholder`` (a
    :class:`Placeholder`, or None).
    """

    img: PictureImage
    sources: list[PictureSource]
    placeholder: Placeholder | None = None
    plan: _Plan | None = field(default=None, repr=False)
    every: list[tuple[int, str]] = field(default_factory=list, repr=False)

    @property
    def all_files(self) -> list[ImageCacheFile]:
        """Every variant's cache file, including those of left-out sources."""
        # A picture is always built with its plan (None is the dataclass default).
        return [self.plan.file(w, fmt) for w, fmt in self.every]  # type: ignore[union-attr]

    def __html__(self) -> str:
        return render_picture(self)

    def __str__(self) -> str:
        return render_picture(self)


# --- building ------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    return str.__str__(value) if isinstance(value, SafeString) else value


def _fallback_format(source: Any) -> str:
    name = getattr(source, "name", None) or ""
    dot = name.rfind(".")
    return FALLBACK_FORMATS.get(name[dot:].lower(), "JPEG") if dot >= 0 else "JPEG"


def _options_for(fmt: str, spec_options: Any, quality: int | None) -> dict[str, Any] | None:
    if fmt not in ENCODER_DEFAULTS:
        return None
    options = dict(ENCODER_DEFAULTS[fmt])
    options.update((setting("IMAGEKIT_PICTURE_OPTIONS") or {}).get(fmt, {}))
    if isinstance(spec_options, Mapping):
        options.update(spec_options.get(fmt, {}) or spec_options.get(fmt.lower(), {}) or {})
    if quality is not None:
        options["quality"] = quality
    return options


def build_picture(what: Any, source: Any = None, **options: Any) -> Picture:
    """Build the :class:`Picture` for one declaration, generating what its strategy says.

    *what* is a geometry (``"800x600"``, ``"800x"``; with *source*), a
    generator id (with *source*, and ``generator_kwargs`` for the generator),
    or a cache file whose spec is reused with a final resize per width (an
    ``ImageSpecField`` value). The keyword arguments are those of
    :func:`plan_picture`. ``widths``, ``formats``, ``sizes`` and
    ``placeholder`` default to what the spec declares (``picture_widths``...)
    and then to the ``IMAGEKIT_PICTURE_*`` settings. Bad values raise
    ``ValueError`` naming the argument; a missing source raises
    :class:`~imagekit.exceptions.MissingSource`.
    """
    return plan_picture(what, source, **options).realise()


def plan_picture(what: Any, source: Any = None, **options: Any) -> _Plan:
    """Check a declaration and name its variants, without any I/O (see :func:`build_picture`).

    A declaration seen before for the same source (and settings) is not
    checked and named again: what it came to is remembered, and the cache
    files are built only if something must be made.
    """
    key = _declaration_key(what, source, options)
    if key is not None:
        known = _declarations.get(key)
        if known is not None:
            return known.plan(lambda: _plan_uncached(what, source, **options))
    plan = _plan_uncached(what, source, **options)
    if key is not None:
        if len(_declarations) >= _MAX_VARIANT_NAMES:
            _declarations.clear()
        _declarations[key] = _Declaration(plan)
    return plan


_SETTINGS_NAMED = (
    "IMAGEKIT_SPEC_CACHEFILE_NAMER",
    "IMAGEKIT_CACHEFILE_DIR",
    "IMAGEKIT_CACHE_PREFIX",
    "IMAGEKIT_DEFAULT_FILE_STORAGE",
    "IMAGEKIT_DEFAULT_CACHEFILE_BACKEND",
    "IMAGEKIT_DEFAULT_CACHEFILE_STRATEGY",
    "IMAGEKIT_PICTURE_WIDTHS",
    "IMAGEKIT_PICTURE_FORMATS",
    "IMAGEKIT_PICTURE_SIZES",
    "IMAGEKIT_PICTURE_PLACEHOLDER",
)
_declarations: dict[tuple[Any, ...], _Declaration] = {}


def _declaration_key(what: Any, source: Any, options: dict[str, Any]) -> tuple[Any, ...] | None:
    """What a declaration's plan is a function of, or None when that cannot be told cheaply."""
    if isinstance(what, ImageCacheFile):
        spec = what.generator
        name = what.name
        if source is not None or not name or type(spec).__dict__.get("picture_options"):
            return None
        subject: tuple[Any, ...] = (
            type(spec),
            name,
            what.storage,  # the object (hashed by identity, and kept alive by the key)
            type(what.cachefile_backend),
            type(what.cachefile_strategy),
        )
    elif type(what) in (str, SafeString):
        source_name = getattr(source, "name", None)
        if type(source_name) is not str or not source_name:
            return None
        subject = (str.__str__(what), source_name, getattr(source, "storage", None))
    else:
        return None
    try:
        key = (
            subject,
            tuple(sorted((k, _typed(_plain(v))) for k, v in options.items())),
            tuple(setting(name) if name else None for name in _SETTINGS_NAMED),
            get_storage(),
            _typed(setting("IMAGEKIT_PICTURE_OPTIONS") or {}),
        )
        hash(key)
    except TypeError:
        return None
    return key


class _Declaration:
    """What one declaration came to: enough to render it warm without building any file."""

    def __init__(self, plan: _Plan):
        self.names = plan.names
        self.mkey = plan.mkey
        self.widths, self.formats, self.fallback = plan.widths, plan.formats, plan.fallback
        self.placeholder, self.upscale, self.sizes = plan.placeholder, plan.upscale, plan.sizes
        self.storage, self.backend, self.strategy = plan.storage, plan.backend, plan.strategy
        from .utils import get_default_cachefile_backend

        # The default backend is looked up again each time, as every cache file does.
        self.default_backend = plan.backend is get_default_cachefile_backend()

    def plan(self, slow: Callable[[], _Plan]) -> _Plan:
        plan = _Plan(
            None,  # type: ignore[arg-type]  # built by _full() when needed
            self.names,
            None,
            {},
            self.widths,
            self.formats,
            self.fallback,
            self.placeholder,
            self.upscale,
        )
        plan.mkey, plan.sizes = self.mkey, self.sizes
        plan.storage, plan.backend, plan.strategy = self.storage, self.backend, self.strategy
        if self.default_backend:
            from .utils import get_default_cachefile_backend

            plan.backend = get_default_cachefile_backend()
        plan._slow = slow
        return plan


def _plan_uncached(  # noqa: PLR0912, PLR0915 - one check per argument
    what: Any,
    source: Any = None,
    *,
    widths: Any = None,
    formats: Any = None,
    sizes: Any = None,
    placeholder: Any = None,
    upscale: bool | None = None,
    anchor: Any = None,
    crop: bool | None = None,
    quality: int | None = None,
    generator_kwargs: Mapping[str, Any] | None = None,
) -> _Plan:
    """Check a declaration and name its variants, without any I/O (see :func:`build_picture`)."""
    base_id, base_kwargs, base_file, geometry = _base_of(what, source, generator_kwargs)
    source = base_file.generator.source  # type: ignore[attr-defined]  # a spec's
    if not source:
        raise MissingSource(
            f"The picture of {_label(base_file.generator)} has no source file associated with it."
        )
    spec = base_file.generator
    widths = parse_widths(
        widths
        if widths is not None
        else getattr(spec, "picture_widths", None) or setting("IMAGEKIT_PICTURE_WIDTHS"),
        "widths" if widths is not None else "IMAGEKIT_PICTURE_WIDTHS",
    )
    formats = parse_formats(
        formats
        if formats is not None
        else _first(getattr(spec, "picture_formats", None), setting("IMAGEKIT_PICTURE_FORMATS")),
        "formats" if formats is not None else "IMAGEKIT_PICTURE_FORMATS",
    )
    sizes = check_sizes(sizes if sizes is not None else setting("IMAGEKIT_PICTURE_SIZES"))
    placeholder = check_placeholder(
        placeholder
        if placeholder is not None
        else _first(
            getattr(spec, "picture_placeholder", None), setting("IMAGEKIT_PICTURE_PLACEHOLDER")
        )
    )
    if quality is not None:
        if (
            isinstance(quality, bool)
            or not isinstance(quality, int)
            or not 0 <= quality <= MAX_QUALITY
        ):
            raise ValueError(f"quality: {quality!r} is not a whole number from 0 to 100.")
    if upscale is not None and not isinstance(upscale, bool):
        raise ValueError(f"upscale: {upscale!r} is not True or False.")
    check_anchor(anchor, "anchor")

    fallback = _fallback_format(source)
    all_formats = [*formats, fallback]
    spec_options = getattr(spec, "picture_options", None)
    options = {fmt: _options_for(fmt, spec_options, quality) for fmt in all_formats}
    if fallback not in ENCODER_DEFAULTS and base_id is not None:
        base_fmt = (getattr(spec, "format", None) or "").upper()
        if base_fmt in ("", fallback):
            options[fallback] = getattr(spec, "options", None) or None

    base_spec = None if base_id is None else spec

    def make(width: int, fmt: str) -> ImageCacheFile:
        kwargs: dict[str, Any] = {"width": width, "format": fmt}
        if base_id is None:
            gw, gh = geometry  # type: ignore[misc]  # not None without a base id
            # 'xH' and 'Wx': the source's proportions; 'WxH': the box's.
            kwargs["height"] = max(1, round(width * gh / gw)) if gw and gh else None
            kwargs.update(anchor=anchor, crop=crop, upscale=upscale)
        else:
            kwargs.update(base=base_id, base_kwargs=dict(base_kwargs), upscale=upscale)
        if options[fmt] is not None:
            kwargs["options"] = options[fmt]
        generator = generator_registry.get("imagekit:picture", source=source, **kwargs)
        if base_spec is not None:
            generator.__dict__["_base"] = base_spec
        return ImageCacheFile(
            generator,
            storage=getattr(spec, "cachefile_storage", None),
            cachefile_backend=getattr(spec, "cachefile_backend", None),
            cachefile_strategy=getattr(spec, "cachefile_strategy", None),
        )

    files: dict[tuple[int, str], ImageCacheFile] = {}
    key = _names_key(
        base_id,
        base_kwargs,
        base_spec,
        geometry,
        widths,
        all_formats,
        options,
        (anchor, crop, upscale),
        source,
    )
    names = _variant_names.get(key) if key is not None else None
    if names is None:
        for width in widths:
            for fmt in all_formats:
                files[width, fmt] = make(width, fmt)
        names = {k: f.name for k, f in files.items()}
        if key is not None:
            if len(_variant_names) >= _MAX_VARIANT_NAMES:
                _variant_names.clear()
            _variant_names[key] = names
    any_file = next(iter(files.values()), None)
    plan = _Plan(
        base_file, names, make, files, widths, formats, fallback, placeholder, bool(upscale)
    )
    if any_file is not None:
        plan.storage, plan.backend, plan.strategy = (
            any_file.storage,
            any_file.cachefile_backend,
            any_file.cachefile_strategy,
        )
    else:
        plan.storage, plan.backend, plan.strategy = _file_context(spec)
    plan.sizes = sizes
    return plan


# Variant names already worked out: a warm page asks for the same ones again
# and again, and naming nine files costs more than rendering them.
_MAX_VARIANT_NAMES = 20000
_variant_names: dict[tuple[Any, ...], dict[tuple[int, str], str]] = {}


def _names_key(
    base_id: Any,
    base_kwargs: Any,
    base_spec: Any,
    geometry: Any,
    widths: list[int],
    formats: list[str],
    options: dict[str, Any],
    thumbnail: tuple[Any, ...],
    source: Any,
) -> tuple[Any, ...] | None:
    """What the variant names are a function of, or None when that cannot be told."""
    source_name = getattr(source, "name", None)
    if type(source_name) is not str:
        return None
    tail = None
    if base_spec is not None:
        tail = base_spec._name_tail_key()
        if tail is None:
            return None
    try:
        key = (
            setting("IMAGEKIT_SPEC_CACHEFILE_NAMER"),
            setting("IMAGEKIT_CACHEFILE_DIR"),
            source_name,
            base_id,
            _typed(base_kwargs),
            tail[0] if tail is not None else None,
            geometry,
            tuple(widths),
            tuple(formats),
            _typed(options),
            _typed(thumbnail),
        )
        hash(key)
    except TypeError:
        return None
    return key


def _file_context(spec: Any) -> tuple[Any, Any, Any]:
    """The storage, backend and strategy a variant of *spec* would have."""
    from .cachefiles.strategies import load_strategy
    from .utils import get_default_cachefile_backend, get_singleton

    storage = getattr(spec, "cachefile_storage", None)
    if callable(storage):
        storage = storage()
    backend = getattr(spec, "cachefile_backend", None) or get_default_cachefile_backend()
    strategy = load_strategy(
        getattr(spec, "cachefile_strategy", None)
        or get_singleton(setting("IMAGEKIT_DEFAULT_CACHEFILE_STRATEGY"), "cache file strategy")
    )
    return storage or get_storage(), backend, strategy


def _first(*values: Any) -> Any:
    for value in values:
        if value is not None:
            return value
    return None


def _base_of(
    what: Any, source: Any, generator_kwargs: Mapping[str, Any] | None
) -> tuple[str | None, dict[str, Any], ImageCacheFile, tuple[int | None, int | None] | None]:
    """Return (base generator id, its kwargs, the base file, the geometry)."""
    generator_kwargs = {k: _plain(v) for k, v in (generator_kwargs or {}).items()}
    if isinstance(what, ImageCacheFile) or (
        hasattr(what, "generator") and hasattr(what, "cachefile_backend")
    ):
        if source is not None:
            raise ValueError("source: a cache file already has its source; give no source=.")
        spec = what.generator
        origin = getattr(spec, ORIGIN_ATTRIBUTE, None)
        if origin is None or origin[1]:
            raise ValueError(
                f"{what!r}: its spec was not built from the generator registry by keyword "
                "arguments, so its variants cannot be described; use a generator id."
            )
        kwargs = {k: v for k, v in origin[2].items() if k != "source"}
        return origin[0], kwargs, what, None
    what = _plain(what)
    if not isinstance(what, str):
        raise ValueError(f"{what!r} is not a geometry ('800x600'), a generator id or a cache file.")
    if source is None:
        raise MissingSource(f"The picture {what!r} was given no source.")
    geometry = _parse_geometry(what)
    if geometry is not None:
        if generator_kwargs:
            raise ValueError(
                f"A picture of the geometry {what!r} takes no generator arguments "
                f"(got {', '.join(sorted(generator_kwargs))})."
            )
        width, height = geometry
        base_file = ImageCacheFile(
            generator_registry.get("imagekit:thumbnail", width=width, height=height, source=source)
        )
        return None, {}, base_file, geometry
    generator = generator_registry.get(what, source=source, **generator_kwargs)
    return what, generator_kwargs, ImageCacheFile(generator), None


@dataclass
class _Meta:
    """What the picture learnt when its variants were made."""

    max_width: int
    placeholders: dict[str, str]

    def dump(self) -> str:
        return json.dumps({"w": self.max_width, "p": self.placeholders}, separators=(",", ":"))

    @classmethod
    def load(cls, value: Any) -> _Meta | None:
        if not isinstance(value, str):
            return None
        try:
            data = json.loads(value)
            return cls(int(data["w"]), dict(data.get("p") or {}))
        except (ValueError, KeyError, TypeError):
            return None


def _measured(file: ImageCacheFile) -> tuple[int, int] | None:
    """The size of an existing cache file: recorded, or read once and recorded."""
    try:
        size = file._dimensions()
    except (OSError, ValueError):
        return None
    return size if None not in size else None  # type: ignore[return-value]  # no None


def meta_key(base_file: Named) -> str:
    """The cache key of what the picture of *base_file* learnt."""
    return sanitize_cache_key(f"{setting('IMAGEKIT_CACHE_PREFIX')}{base_file.name}-picture")


class _Named:
    """Stands for a variant in state lookups, which need only its name."""

    __slots__ = ("name",)

    def __init__(self, name: str):
        self.name = name


class _Plan:
    def __init__(
        self,
        base_file: ImageCacheFile,
        names: dict[tuple[int, str], str],
        make: Callable[[int, str], ImageCacheFile] | None,
        files: dict[tuple[int, str], ImageCacheFile],
        widths: list[int],
        formats: list[str],
        fallback: str,
        placeholder: str | None,
        upscale: bool,
    ):
        self._base_file = base_file
        self.names = names
        self._make = make
        self._files = files
        self._slow: Callable[[], _Plan] | None = None
        self.mkey = meta_key(base_file) if base_file is not None else ""
        self.widths = widths
        self.formats = formats
        self.fallback = fallback
        self.placeholder = placeholder
        self.upscale = upscale
        # Set by whoever builds the plan, before it is used.
        self.storage: Storage = None  # type: ignore[assignment]
        # A CachedFileBackend but for backends written for ImageKit (told apart
        # where it matters, in realise()).
        self.backend: Any = None
        self.strategy: object = None

    def _full(self) -> None:
        """Build what a remembered declaration left out: the base file, the variants' maker."""
        if self._make is None:
            full = self._slow()  # type: ignore[misc]  # a remembered plan has one
            self._base_file, self._make = full._base_file, full._make

    @property
    def base_file(self) -> ImageCacheFile:
        self._full()
        return self._base_file

    def file(self, width: int, fmt: str) -> ImageCacheFile:
        """The cache file of a variant (built when first needed)."""
        file = self._files.get((width, fmt))
        if file is None:
            self._full()
            file = self._files[width, fmt] = self._make(width, fmt)  # type: ignore[misc]  # _full()
        return file

    def kept(self, meta: _Meta | None) -> list[int]:
        if meta is None or self.upscale:
            return self.widths
        kept = [w for w in self.widths if w <= meta.max_width]
        return kept or [self.widths[0]]

    sizes = "100vw"

    def meta_from_variants(self, mkey: str) -> _Meta | None:
        """Work out (and record) the picture's _Meta from its existing fallback files."""
        narrowest = self.file(self.widths[0], self.fallback)
        widest = self.file(self.widths[-1], self.fallback)
        size = _measured(widest)
        if size is None:
            return None
        # Narrower than asked: that is all the source gives.
        max_width = size[0] if size[0] < self.widths[-1] else self.widths[-1]
        try:
            with narrowest.storage.open(narrowest.name) as handle, Image.open(handle) as image:
                image.load()
                placeholders = {
                    "blur": blur_placeholder(image),
                    "color": color_placeholder(image),
                }
        except (OSError, ValueError):
            return None
        meta = _Meta(max_width, placeholders)
        self.backend.cache_call("set", mkey, meta.dump(), setting("IMAGEKIT_CACHE_TIMEOUT"))
        self.backend.remember_value(mkey, meta.dump())
        return meta

    def keys(self, meta: _Meta | None = None) -> list[tuple[int, str]]:
        """The variants of the kept widths, every format, the fallback last."""
        return [(w, fmt) for w in self.kept(meta) for fmt in [*self.formats, self.fallback]]

    def all_variants(self, meta: _Meta | None = None) -> list[ImageCacheFile]:
        """The variant files of the kept widths, every format, the fallback last."""
        return [self.file(w, fmt) for w, fmt in self.keys(meta)]

    def realise(self) -> Picture:
        sizes = self.sizes
        backend = self.backend
        names = self.names
        mkey = self.mkey
        optimistic = isinstance(self.strategy, Optimistic) or not hasattr(
            self.strategy, "on_existence_required"
        )
        is_async = getattr(backend, "is_async", False)
        if isinstance(backend, CachedFileBackend):
            named = [_Named(name) for name in names.values()]
            states, dims, extra = backend.lookup_many(named, [mkey])
        else:  # a backend written for ImageKit: ask it file by file
            states = {
                self.names[k]: CacheFileState.EXISTS if backend.exists(self.file(*k)) else None
                for k in names
            }
            dims, extra = {}, {}
        meta = _Meta.load(extra.get(mkey))
        wanted = self.keys(meta)
        missing = [k for k in wanted if states.get(names[k]) != CacheFileState.EXISTS]
        if self.placeholder and (meta is None or self.placeholder not in meta.placeholders):
            missing = missing or wanted[-1:]
        if missing and not optimistic:
            files = [self.file(*k) for k in missing]
            if is_async:
                queue_picture(self, files, mkey)
            else:
                meta = generate_variants(
                    self.base_file, files, placeholder=self.placeholder, meta_key=mkey
                ) or _Meta.load(backend.cache_call("get", mkey))  # made by another process
                for file in files:
                    states[file.name] = CacheFileState.EXISTS
                    if getattr(file, "_dimensions_cache", None):
                        dims[file.name] = file._dimensions_cache  # type: ignore[assignment]
                if meta is None or (self.placeholder and self.placeholder not in meta.placeholders):
                    # The files were there, what they tell was not (a cleared
                    # cache, a DummyCache): read it from the files, not the source.
                    meta = self.meta_from_variants(mkey)
        kept = self.kept(meta)
        exists = optimistic or not is_async
        # When no width fits, the narrowest is all the source gives: say how wide.
        cap = meta.max_width if meta is not None and not self.upscale else None
        storage = self.storage

        def entries(fmt: str) -> list[_Entry]:
            return [_Entry(min(w, cap or w), fmt, names[w, fmt], storage, self, w) for w in kept]

        def ready(fmt: str) -> bool:
            return exists or all(states.get(names[w, fmt]) == CacheFileState.EXISTS for w in kept)

        sources = [PictureSource(fmt, sizes, entries(fmt)) for fmt in self.formats if ready(fmt)]
        img_entries = entries(self.fallback)
        size = dims.get(img_entries[-1].name)
        if (
            size is None
            and not optimistic
            and states.get(img_entries[-1].name) == (CacheFileState.EXISTS)
        ):
            size = _measured(self.file(kept[-1], self.fallback))
        found = None
        if meta is not None and self.placeholder:
            value = meta.placeholders.get(self.placeholder)
            if value:
                found = Placeholder(self.placeholder, value)
        every = [(w, fmt) for w in kept for fmt in [*self.formats, self.fallback]]
        return Picture(
            img=PictureImage(self.fallback, sizes, img_entries, size),
            sources=sources,
            placeholder=found,
            plan=self,
            every=every,
        )


# --- making the variants ----------------------------------------------------------------


def generate_variants(  # noqa: PLR0912 - each file locked, made or waited for
    base_file: ImageCacheFile,
    files: list[ImageCacheFile],
    *,
    placeholder: str | None = None,
    meta_key: str | None = None,
    force: bool = False,
) -> _Meta | None:
    """Make the variant *files* of one picture from one decode of their source.

    Each file is made exactly once however many processes ask at the same
    time: this process takes the generation lock of every file it makes
    (:mod:`imagekit.cachefiles.backends.lock`); files another process is
    making are waited for. Every file is written atomically and recorded
    with its size; what the picture learnt (its widest possible width, its
    placeholders) is recorded under *meta_key*. Return that.
    """
    # Pictures keep their state with a CachedFileBackend (the default Simple,
    # or a task-queue backend); its callers only come here with one.
    backend: CachedFileBackend = files[0].cachefile_backend  # type: ignore[assignment]
    held: list[tuple[ImageCacheFile, str]] = []
    others: list[ImageCacheFile] = []
    # The picture's own lock first: two processes taking the files' locks one
    # by one could each get some, and both decode the source.
    group = _Named(f"{base_file.name}#picture")
    group_token = lock.acquire(backend, group)
    if group_token is None:
        _wait_for_lock(backend, group)
        group_token = lock.acquire(backend, group)
    try:
        for file in files:
            if not force and backend.get_state(file) == CacheFileState.EXISTS:
                continue
            token = lock.acquire(backend, file)
            if token is None:
                others.append(file)
                continue
            if not force and backend._shared_state(file) == CacheFileState.EXISTS:
                lock.release(backend, file, token)
                continue
            held.append((file, token))
            backend.set_state(file, CacheFileState.GENERATING)
        meta = None
        if held:
            if force and held:
                backend.renew_epoch()
            try:
                meta = _make(
                    base_file, [file for file, _token in held], files[0], backend, meta_key
                )
            except BaseException:
                for file, _token in held:
                    backend._forget_state(file)
                raise
            if meta_key is not None:
                backend.cache_call("set", meta_key, meta.dump(), setting("IMAGEKIT_CACHE_TIMEOUT"))
                backend.remember_value(meta_key, meta.dump())
    finally:
        for file, token in held:
            lock.release(backend, file, token)
        if group_token is not None:
            lock.release(backend, group, group_token)
    for file in others:
        lock.wait_until_made(backend, file, CacheFileState.EXISTS)
    return meta


def _wait_for_lock(backend: CachedFileBackend, holder: Named) -> None:
    """Wait while another process holds *holder*'s lock (IMAGEKIT_GENERATING_TIMEOUT at most)."""
    import time

    key = backend.get_lock_key(holder)
    deadline = time.monotonic() + setting("IMAGEKIT_GENERATING_TIMEOUT")
    delay = 0.01
    while backend.cache_call("get", key) is not None and time.monotonic() < deadline:
        time.sleep(delay)
        delay = min(delay * 2, 0.2)


def _decode_source(
    variant: PictureVariant, largest: int, widths: list[int]
) -> tuple[Image.Image, bytes | None, bool]:
    """Open and decode the source once, at the smallest JPEG scale *largest* allows.

    *variant* is the widest variant to make. The pipeline's guards hold as for
    any spec: a HEIC source registers pillow-heif, the source cap holds for
    every image Pillow meets, and the widest variant's processors (after the
    EXIF orientation) are checked against the output cap before any pixel is
    decoded. Return the image, its colour profile, and whether every size
    was known in advance (if not, results are checked as they are made).
    """
    source = variant.source
    name = getattr(source, "name", None) or repr(source)
    was_closed = open_source(source, "of a picture")

    def too_big(size: tuple[int, int], limit: int) -> str:
        return (
            f"The source {name!r} of a picture is (or holds) an image of {size[0]}x{size[1]} "
            f"pixels, more than the {limit} allowed."
        )

    try:
        stream = _binary_stream(source)
        if not heif.prepare(stream):
            raise SourceImageError(
                f"The source {name!r} of a picture is a HEIC/HEIF image, which needs the "
                f"pillow-heif plugin: {heif.INSTALL_HINT}"
            )
        with limits.source_cap(limits.source_limit(variant), too_big):
            image = open_image(stream)
            limits.check_declared(image.size)
            checked = limits.check_output(
                variant, with_orientation(variant.processors), image, _describe(variant, widths)
            )
            if variant._args[5] is None:
                _draft(image, variant, largest)
            else:
                from .jpeg_reduction import reduce_for

                reduce_for(image, with_orientation(variant.base_processors()))
            image.load()
    except (SourceImageError, MissingSourceFile):
        raise
    except Exception as exc:
        raise SourceImageError(
            f"The source {name!r} of a picture could not be read as an image: "
            f"{type(exc).__name__}: {exc}"
        ) from exc
    finally:
        if was_closed:
            source.close()
    return image, image.info.get("icc_profile"), checked


def _describe(variant: PictureVariant, widths: list[int]) -> str:
    """Name a picture in messages: its widths, what it is made from, its source."""
    source = getattr(variant.source, "name", None) or repr(variant.source)
    what = variant._args[5] or f"the geometry {variant._args[0]}x{variant._args[1] or ''}"
    listed = " ".join(str(w) for w in sorted(widths))
    return f"The picture of {what} with widths '{listed}' given the source {source!r}"


def _turns(variant: PictureVariant, image: Image.Image) -> bool:
    """Whether the source is turned by a quarter before the variant's processors."""
    chain = with_orientation(variant.base_processors())
    return bool(chain) and chain[0] is EXIF_ORIENTATION and EXIF_ORIENTATION.swaps(image) is True


def _draft(image: Image.Image, variant: PictureVariant, largest: int) -> None:
    """Ask a JPEG to decode at the smallest scale still at least the largest variant."""
    if getattr(image, "format", None) != "JPEG":
        return
    width, height, _anchor, _crop, _upscale = variant._args[:5]
    turned = _turns(variant, image)
    sw, sh = image.size[::-1] if turned else image.size  # as the variants see it: upright
    if height is None:
        need_w, need_h = largest, 1
    else:
        # The box at the largest width, covering (crop) or fitting the source.
        box_h = round(largest * height / width)
        ratio = max(largest / sw, box_h / sh)
        need_w, need_h = math.ceil(sw * ratio), math.ceil(sh * ratio)
    if need_w < sw and need_h < sh:
        image.draft(image.mode, (need_h, need_w) if turned else (need_w, need_h))


def _make(
    base_file: ImageCacheFile,
    files: list[ImageCacheFile],
    probe: ImageCacheFile,
    backend: CachedFileBackend,
    meta_key: str | None = None,
) -> _Meta:
    """Decode the source once and make *files* (maybe none: then only the _Meta)."""
    from .cachefiles.origins import describe

    # The generators of a picture's files are PictureVariants (_plan_uncached
    # builds them); ImageCacheFile types its generator as any Generator.
    by_width: dict[int, list[ImageCacheFile]] = {}
    for file in files:
        by_width.setdefault(file.generator._args[0], []).append(file)  # type: ignore[attr-defined]
    probe_variant: PictureVariant = probe.generator  # type: ignore[assignment]
    largest = max(by_width) if by_width else probe_variant._args[0]
    variant: PictureVariant = (
        by_width[largest][0].generator if by_width else probe_variant  # type: ignore[assignment]
    )
    image, icc_profile, checked = _decode_source(variant, largest, sorted(by_width) or [largest])
    chain = with_orientation(variant.base_processors())
    if chain and chain[0] is EXIF_ORIENTATION:  # upright first, once for every width
        turned = EXIF_ORIENTATION.process(image)
        if turned is not image:
            image.close()
        image = turned
    source_size = image.size
    geometry = variant._args[5] is None
    describe_picture = _describe(variant, sorted(by_width) or [largest])
    if not geometry:
        base = limits.run_processors(
            variant, variant.base_processors(), image, describe_picture, checked
        )
        if base is not image:
            image.close()
        image = base
    max_width = _max_width(variant, image, source_size) if geometry else image.width
    # One record for all: the variants share their generator id, source and
    # picture (so one stat, or one HEAD on S3, of the source).
    origin = describe(by_width[largest][0], picture=meta_key) if by_width else None
    smallest = None
    for width in sorted(by_width, reverse=True):
        group = by_width[width]
        generator: PictureVariant = group[0].generator  # type: ignore[assignment]
        processors = generator.base_processors() if geometry else generator.final_processors()
        resized = limits.run_processors(generator, processors, image, describe_picture, checked)
        for file in group:
            content = _encode_variant(resized, file.generator, icc_profile)  # type: ignore[arg-type]
            save_atomically(file.storage, file.name, content, replace=True)
            file._dimensions_cache = resized.size
            backend.set_state(file, CacheFileState.EXISTS, dimensions=resized.size, origin=origin)
        if smallest is not None and smallest is not image:
            smallest.close()
        smallest = resized
    preview = smallest if smallest is not None else _preview(image, variant, geometry)
    placeholders = {"blur": blur_placeholder(preview), "color": color_placeholder(preview)}
    return _Meta(max_width, placeholders)


def _preview(image: Image.Image, variant: PictureVariant, geometry: bool) -> Image.Image:
    """The image a placeholder is made from when no variant was made."""
    processors = variant.base_processors() if geometry else variant.final_processors()
    preview: Image.Image = ProcessorPipeline(processors).process(image)
    return preview


def _max_width(variant: PictureVariant, image: Image.Image, source_size: tuple[int, int]) -> int:
    """How wide the geometry's box can be cut from the source without upscaling."""
    width, height = variant._args[:2]
    sw, sh = image.size
    scale = source_size[0] / sw if sw else 1
    full_w, full_h = round(sw * scale), round(sh * scale)
    if height is None:
        return full_w
    box_w, box_h = width, height  # the box at this width; only the ratio matters
    return max(1, math.floor(min(full_w, full_h * box_w / box_h)))


def _encode_variant(
    image: Image.Image, variant: PictureVariant, icc_profile: bytes | None
) -> io.BytesIO:
    fmt = variant.format
    autoconvert = variant.autoconvert
    if fmt in ENCODER_DEFAULTS and image.mode not in ("RGB", "RGBA"):
        has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
        image = image.convert("RGBA" if has_alpha else "RGB")
    if fmt in ENCODER_DEFAULTS:
        autoconvert = False  # AVIF and WebP keep alpha; pilkit would flatten AVIF
    # A variant always has a format (a modern one, or the fallback).
    return encode(image, fmt, variant.options, autoconvert, icc_profile)  # type: ignore[arg-type]


# --- placeholders --------------------------------------------------------------------


def blur_placeholder(image: Image.Image) -> str:
    """Return a data URI (SVG, about 500 bytes) of a blurred tiny copy of *image*."""
    small = image.copy()
    small.thumbnail((_BLUR_SIDE, _BLUR_SIDE), Image.Resampling.BOX)
    if small.mode not in ("RGB", "RGBA"):
        small = small.convert("RGBA" if "A" in small.mode else "RGB")
    buffer = io.BytesIO()
    if features.check("webp"):
        small.save(buffer, "WEBP", quality=30)
        mime = "image/webp"
    else:
        small.save(buffer, "PNG", optimize=True)
        mime = "image/png"
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    w, h = small.size
    svg = (
        f"<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 {w} {h}'>"
        "<filter id='b' color-interpolation-filters='sRGB'>"
        "<feGaussianBlur stdDeviation='1'/>"
        # Opaque to the edges: a blur alone fades them out.
        "<feComponentTransfer><feFuncA type='discrete' tableValues='1 1'/>"
        "</feComponentTransfer></filter>"
        f"<image width='{w}' height='{h}' preserveAspectRatio='none' filter='url(#b)' "
        f"href='data:{mime};base64,{data}'/></svg>"
    )
    return "data:image/svg+xml," + quote(svg, safe="/:=;,' ")


def color_placeholder(image: Image.Image) -> str:
    """Return the dominant colour of *image* as ``#rrggbb``."""
    small = image.convert("RGB")
    small.thumbnail((32, 32), Image.Resampling.BOX)
    paletted = small.quantize(colors=4, method=Image.Quantize.MEDIANCUT)
    counts = sorted(paletted.getcolors() or [], reverse=True)
    palette = paletted.getpalette() or [0, 0, 0]
    index = counts[0][1] if counts else 0
    r, g, b = palette[index * 3 : index * 3 + 3]  # type: ignore[operator]  # a palette index
    return f"#{r:02x}{g:02x}{b:02x}"


# --- task queues ------------------------------------------------------------------------


def queue_picture(
    plan: _Plan, missing: list[ImageCacheFile], mkey: str, force: bool = False
) -> bool:
    """Hand the *missing* variants of a picture to the task queue: one task for all.

    The task's payload lists each variant's payload (see
    :mod:`imagekit.cachefiles.payloads`); a worker makes them together with
    :func:`generate_variants`. Return False if the picture was queued already.
    Variants no payload can describe are made here instead. With *force*
    (a source replaced in place), the worker makes them again even if they
    exist, and the old files are served until then. Without it, a picture
    whose source a worker could not make into it (see
    :meth:`~imagekit.cachefiles.backends.CachedFileBackend.record_refusal`)
    raises that error again and queues nothing.
    """
    from django.db import transaction

    from .cachefiles.backends.queues import QueueBackend, _database_of
    from .cachefiles.payloads import Unqueueable, payload_for

    backend = plan.backend
    if not isinstance(backend, QueueBackend):
        for file in missing:
            file.generate(force=force)
        return True
    try:
        payloads = [payload_for(file) for file in missing]
        base = payload_for(plan.base_file, force=force)
    except Unqueueable:
        generate_variants(
            plan.base_file, missing, placeholder=plan.placeholder, meta_key=mkey, force=force
        )
        return False
    mark = f"{plan.base_file.name}#picture"
    if not force:
        refused = backend.refusal(plan.base_file, name=mark)  # by a worker, before
        if refused is not None:
            raise refused
    payload = {**base, "picture": {"variants": payloads, "mark": mark}}

    def send() -> None:
        if not backend.mark_queued(mark) and not force:
            return  # a task for this picture is waiting already
        try:
            backend.enqueue(payload)
        except BaseException:
            backend.forget_queued(mark)
            raise

    transaction.on_commit(send, using=_database_of(plan.base_file))
    return True


def generate_picture_from_payload(payload: Mapping[str, Any]) -> bool:
    """What a worker does with a picture payload: make its variants in one decode.

    The payload is the base file's (see :mod:`imagekit.cachefiles.payloads`)
    with a ``"picture"`` entry: ``{"variants": [payload, ...], "mark": ...}``.
    """
    from .cachefiles.payloads import cachefile_from_payload

    base = cachefile_from_payload({k: v for k, v in payload.items() if k != "picture"})
    if base is None:
        return False
    files = []
    for item in payload["picture"]["variants"]:
        file = cachefile_from_payload(item)
        if file is not None:
            files.append(file)
    if not files:
        return False
    force = bool(payload.get("force"))
    generate_variants(base, files, placeholder="blur", meta_key=meta_key(base), force=force)
    return True


# --- variants declared on specs -----------------------------------------------------------


def declared_variants(spec: object) -> bool:
    """Return whether *spec* declares picture variants (``picture_widths``)."""
    return getattr(spec, "picture_widths", None) is not None


def declared_names(file: ImageCacheFile) -> tuple[list[str], str | None]:
    """Return the names of the variants *file*'s spec declares, and their picture's key.

    Every declared width and format, whether or not the source is wide
    enough to give it (so a superset of what a page offers); no I/O.
    ``([], None)`` for a spec that declares none.
    """
    if not declared_variants(getattr(file, "generator", None)):
        return [], None
    plan = plan_picture(file)
    return list(plan.names.values()), plan.mkey


def generate_declared(file: ImageCacheFile, force: bool = False) -> int:
    """Make the picture variants *file*'s spec declares; return how many were made.

    Used by the ``Optimistic`` strategy when a source is saved and by
    ``generateimages``; with a task-queue backend they are queued as one task
    instead. Does nothing for specs that declare none.
    """
    if not declared_variants(getattr(file, "generator", None)):
        return 0
    plan = plan_picture(file)
    backend = plan.backend
    files = plan.all_variants()
    if not force:
        files = [f for f in files if backend.get_state(f) != CacheFileState.EXISTS]
    if not files:
        return 0
    if getattr(backend, "is_async", False):
        queue_picture(plan, files, plan.mkey, force)  # one task for them all, as the tag sends
        return len(files)
    generate_variants(
        file, files, placeholder=plan.placeholder, meta_key=meta_key(file), force=force
    )
    return len(files)


# --- rendering ---------------------------------------------------------------------------------


def _attrs(attrs: Mapping[str, Any]) -> str:
    return " ".join(
        f'{_escape(name)}="{_escape(value)}"' for name, value in attrs.items() if value is not None
    )


#: The ``<img>`` attributes every picture gets unless the template gives its own.
DEFAULT_IMG_ATTRS = {"loading": "lazy", "decoding": "async"}


def render_picture(picture: Picture, attrs: Mapping[str, Any] | None = None) -> SafeString:
    """Return the ``<picture>`` HTML of *picture*; *attrs* go on the ``<img>``, escaped.

    ``width``, ``height``, ``loading`` and ``decoding`` are defaults that
    *attrs* override; a ``style`` in *attrs* comes after the placeholder's.
    """
    parts = ["<picture>"]
    for source in picture.sources:
        values: dict[str, str | int] = {
            "type": source.type,
            "srcset": source.srcset,
            "sizes": source.sizes,
        }
        parts.append(f"<source {_attrs(values)}>")
    img = picture.img
    values = {"src": img.url, "srcset": img.srcset, "sizes": img.sizes}
    if img.dimensions:
        values["width"], values["height"] = img.dimensions
    values.update(DEFAULT_IMG_ATTRS)
    given = dict(attrs or {})
    style = given.pop("style", None)
    values.update(given)
    styles = [picture.placeholder.style] if picture.placeholder else []
    if style:
        styles.append(str(style))
    if styles:
        values["style"] = ";".join(styles)
    parts.append(f"<img {_attrs(values)}>")
    parts.append("</picture>")
    return SafeString("".join(parts))
