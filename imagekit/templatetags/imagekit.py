"""Template tags: ``{% generateimage %}``, ``{% thumbnail %}`` and ``{% picture %}``.

Each tag has two forms::

    {% generateimage 'myapp:thumb' source=photo.image -- alt="A photo" %}
    {% generateimage 'myapp:thumb' source=photo.image as th %}{{ th.url }}

    {% thumbnail '100x50' photo.image %}
    {% thumbnail 'myapp:thumbgen' '100x50' photo.image crop=0 as th %}

    {% picture '800x600' photo.image widths='320 640' formats='avif webp' -- alt="" %}
    {% picture photo.thumbnail widths='400 800' as pic %}{{ pic.img.url }}

The first renders an ``<img>`` (a ``<picture>``); the ``as`` form puts the cache file in the
context and renders nothing. Arguments are parsed here, without Django's
private ``parse_bits`` (whose signature changed in Django 6.1).
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from html import escape as html_escape
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from django import template
from django.template import Context
from django.template.base import FilterExpression, Parser, Token
from django.utils.safestring import SafeString

from ..arguments import check_anchor, check_format
from ..cachefiles import ImageCacheFile, size_if_made
from ..conf import missing_source_policy, setting
from ..exceptions import MissingSource, SourceImageError, UnknownFormat
from ..registry import generator_registry
from ..thumbnails import thumbnail_cachefile
from ..utils import escape_for_html as _escape
from ..utils import get_logger

if TYPE_CHECKING:
    from ..pictures import Picture

__all__ = [
    "ASSIGNMENT_DELIMETER",
    "DEFAULT_THUMBNAIL_GENERATOR",
    "HTML_ATTRS_DELIMITER",
    "GenerateImageAssignmentNode",
    "GenerateImageTagNode",
    "ThumbnailAssignmentNode",
    "ThumbnailImageTagNode",
    "generateimage",
    "get_cachefile",
    "parse_dimensions",
    "parse_ik_tag_bits",
    "parse_srcset",
    "picture",
    "thumbnail",
]

register = template.Library()

ASSIGNMENT_DELIMETER = "as"  # sic: ImageKit's spelling, kept for imports
HTML_ATTRS_DELIMITER = "--"
DEFAULT_THUMBNAIL_GENERATOR = "imagekit:thumbnail"

#: Stands for an argument the tag was not given (None is a value: ``srcset=None``).
UNSET = object()

#: Compatibility: as in ImageKit, read once when this module is imported.
DEFAULT_THUMBNAIL_SRCSET_SCALES = setting("IMAGEKIT_DEFAULT_THUMBNAIL_SRCSET_SCALES", None)

_KWARG = re.compile(r"^(?P<name>\w+)=(?P<value>.+)$", re.DOTALL)
# HTML attribute names may contain hyphens (data-*, aria-*).
_HTML_KWARG = re.compile(r"^(?P<name>[A-Za-z_:][-\w:.]*)=(?P<value>.+)$", re.DOTALL)
_DIMENSION = re.compile(r"^\s*(\d*)\s*$")

logger = get_logger()


# --- parsing -----------------------------------------------------------------


def _split_args(
    parser: Parser, bits: list[str], tag_name: str, pattern: re.Pattern[str]
) -> tuple[list[FilterExpression], dict[str, FilterExpression]]:
    args: list[FilterExpression] = []
    kwargs: dict[str, FilterExpression] = {}
    for bit in bits:
        match = pattern.match(bit)
        if match:
            name = match.group("name")
            if name in kwargs:
                raise template.TemplateSyntaxError(
                    f"'{tag_name}' received multiple values for the argument {name!r}."
                )
            kwargs[name] = parser.compile_filter(match.group("value"))
        elif kwargs:
            raise template.TemplateSyntaxError(
                f"'{tag_name}' received the positional argument {bit!r} after a keyword argument."
            )
        else:
            args.append(parser.compile_filter(bit))
    return args, kwargs


def parse_ik_tag_bits(
    parser: Parser, bits: list[str]
) -> tuple[str, list[str], dict[str, FilterExpression], str | None]:
    """Split a tag's bits into ``(tag name, argument bits, html attrs, varname)``.

    ``as var`` at the end makes an assignment tag; HTML attributes follow
    ``--`` and must all be ``name=value``.
    """
    bits = list(bits)
    tag_name = bits.pop(0)
    varname = None
    if len(bits) >= 2 and bits[-2] == ASSIGNMENT_DELIMETER:  # noqa: PLR2004
        varname = bits[-1]
        bits = bits[:-2]
    html_attrs: dict[str, FilterExpression] = {}
    if HTML_ATTRS_DELIMITER in bits:
        if varname:
            raise template.TemplateSyntaxError(
                f'Do not give HTML attributes (after "{HTML_ATTRS_DELIMITER}") when '
                f'using "{tag_name}" as an assignment tag ("{ASSIGNMENT_DELIMETER} {varname}").'
            )
        index = bits.index(HTML_ATTRS_DELIMITER)
        attr_bits = bits[index + 1 :]
        bits = bits[:index]
        if not attr_bits:
            raise template.TemplateSyntaxError(
                f'"{HTML_ATTRS_DELIMITER}" in "{tag_name}" must be followed by HTML '
                "attributes (name=value)."
            )
        for bit in attr_bits:
            if not _HTML_KWARG.match(bit):
                raise template.TemplateSyntaxError(
                    f'All "{tag_name}" arguments after "{HTML_ATTRS_DELIMITER}" must be '
                    f"named (name=value); got {bit!r}."
                )
        _args, html_attrs = _split_args(parser, attr_bits, tag_name, _HTML_KWARG)
    return tag_name, bits, html_attrs, varname


#: The largest ``srcset`` scale factor accepted: ten times a thumbnail is no
#: longer one, and a bigger factor is far more likely a typo than a screen.
MAX_SRCSET_SCALE = 10.0


def parse_srcset(value: Any, origin: str = "srcset") -> list[float]:
    """Return the scale factors *value* stands for (``"1.5 2"``, ``[2, 3]``, ``2``).

    Raise ``ValueError`` naming *origin* (the tag argument, or the setting it
    came from) and the bad value for anything but finite factors above 0 and
    at most :data:`MAX_SRCSET_SCALE`.
    """
    if isinstance(value, str):
        parts: list[Any] = value.split()
    elif isinstance(value, (list, tuple)):
        parts = list(value)
    else:
        parts = [value]
    factors = []
    for part in parts:
        try:
            if isinstance(part, bool):
                raise TypeError
            factor = float(part)
        except (TypeError, ValueError):
            raise ValueError(
                f'{origin}: {part!r} is not a scale factor; give numbers such as srcset="1.5 2".'
            ) from None
        if not math.isfinite(factor) or not 0 < factor <= MAX_SRCSET_SCALE:
            raise ValueError(
                f"{origin}: {part!r} is not a scale factor above 0 and at most "
                f"{MAX_SRCSET_SCALE:g}."
            )
        factors.append(factor)
    return factors


def parse_dimensions(dimensions: Any) -> dict[str, int | None]:
    """Parse ``'WxH'``, ``'Wx'`` or ``'xH'`` into ``{'width': W, 'height': H}``.

    A missing side (or ``0``, as ImageKit allowed) is ``None``. Anything else
    raises ``TemplateSyntaxError`` quoting the text.
    """
    text = str(dimensions)
    parts = text.split("x")
    matches = [_DIMENSION.match(part) for part in parts]
    if len(parts) != 2 or not all(matches):  # noqa: PLR2004
        raise template.TemplateSyntaxError(
            f"Invalid thumbnail geometry {text!r}: use 'WIDTHxHEIGHT', 'WIDTHx' or "
            "'xHEIGHT' with positive whole numbers, e.g. '100x50'."
        )
    # All matched: checked above.
    width, height = (int(m.group(1)) if m.group(1) else 0 for m in matches)  # type: ignore[union-attr]
    if not width and not height:
        raise template.TemplateSyntaxError(
            f"Invalid thumbnail geometry {text!r}: give a width, a height or both, "
            "e.g. '100x50', '100x' or 'x50'."
        )
    return {"width": width or None, "height": height or None}


@functools.lru_cache(maxsize=1024)
def _escaped_name(name: str) -> str:
    # Attribute names come from templates (and "src", "width"...): few, reused.
    return html_escape(name, quote=True)


class _Compiled(Protocol):
    """What the compile-time checks read of an argument (a ``FilterExpression``)."""

    @property
    def var(self) -> object: ...

    @property
    def filters(self) -> Collection[object]: ...


def _literal(expression: _Compiled) -> str | None:
    """Return the string a filter expression stands for, if it is a constant."""
    if isinstance(expression.var, str) and not expression.filters:
        return str(expression.var)
    return None


def _plain(value: object) -> object:
    # Template literals are SafeStrings; generators (and hashes) want plain text.
    return str.__str__(value) if isinstance(value, SafeString) else value


def get_cachefile(
    context: Context,
    generator_id: FilterExpression | str,
    generator_kwargs: dict[str, Any],
    source: object = None,
) -> ImageCacheFile:
    """Build the cache file for *generator_id* with arguments resolved in *context*."""
    resolved_id: str = _resolve(generator_id, context)
    kwargs = {k: _plain(_resolve(v, context)) for k, v in generator_kwargs.items()}
    if source is not None:
        kwargs["source"] = source
    return ImageCacheFile(generator_registry.get(resolved_id, **kwargs))


def _resolve(value: object, context: Context) -> Any:
    return value.resolve(context) if isinstance(value, FilterExpression) else value


# --- rendering ---------------------------------------------------------------
# Context-free, so that every template engine renders the same bytes: the
# Django nodes below and the Jinja2 extension (imagekit.jinja2) call these
# with arguments they have resolved themselves.


def render_or_skip(render: Callable[..., str], *args: Any) -> str:
    """Return ``render(*args)``, or "" if the source is missing and the policy says so.

    ``IMAGEKIT_TEMPLATE_MISSING_SOURCE`` (:func:`~imagekit.conf.missing_source_policy`)
    decides: "raise" lets :class:`~imagekit.exceptions.MissingSource` and
    :class:`~imagekit.exceptions.SourceImageError` through, "empty" logs a
    warning and renders nothing.
    """
    try:
        return render(*args)
    except (MissingSource, SourceImageError) as exc:
        if missing_source_policy() == "raise":
            raise
        logger.warning("imagekit tag rendered nothing: %s", exc)
        return ""


def img_tag(
    file: ImageCacheFile,
    attrs: dict[str, Any],
    extra_attrs: Callable[[ImageCacheFile], dict[str, str]] | None = None,
) -> SafeString:
    """Return the ``<img>`` for *file*: *attrs* (resolved), the size, ``src``, then extras.

    *extra_attrs*, if given, is called with *file* and returns more
    attributes (the thumbnail's ``srcset``). Values are escaped unless they
    are safe strings. The size is left out while a task queue has yet to
    make the file (see :func:`~imagekit.cachefiles.size_if_made`).
    """
    if not attrs and extra_attrs is None:
        # The usual tag, written out: the same bytes as the general case below.
        size = size_if_made(file)
        url = file.url
        if size is None:
            return SafeString(f'<img src="{_escape(url)}" />')
        return SafeString(
            f'<img width="{_escape(size[0])}" height="{_escape(size[1])}" src="{_escape(url)}" />'
        )
    attrs = dict(attrs)
    # Only when the author gave neither size is the generated file's own
    # size used (this reads the file, generating it if needed).
    if "width" not in attrs and "height" not in attrs:
        size = size_if_made(file)
        if size is not None:
            attrs["width"], attrs["height"] = size
    attrs["src"] = file.url
    if extra_attrs is not None:
        attrs.update(extra_attrs(file))
    # This is format_html('<img {} />', format_html_join(' ', '{}="{}"', ...))
    # written out: Django's lazy-aware escaping wrappers cost a third of a
    # warm tag's time, and a page may hold hundreds of tags. _escape() is
    # conditional_escape() exactly, so the output is the same, and it is
    # pinned by tests against format_html's.
    html = " ".join(
        f'{_escaped_name(name) if type(name) is str else _escape(name)}="{_escape(value)}"'
        for name, value in attrs.items()
    )
    return SafeString(f"<img {html} />")


def thumbnail_file(
    generator_id: str | None,
    dimensions: dict[str, int | None],
    source: object,
    generator_kwargs: dict[str, Any],
    scale: float | None = None,
) -> ImageCacheFile:
    """Return the cache file of a thumbnail of *source* at *dimensions* (parsed).

    *generator_id* None means ``imagekit:thumbnail``; *scale* multiplies both
    sides (a ``srcset`` entry) and is a ``ValueError`` if it leaves no pixel.
    """
    if scale is not None:
        scaled = {k: int(v * scale) if v else v for k, v in dimensions.items()}
        if 0 in scaled.values():
            raise ValueError(
                f"srcset: the scale factor {scale:g} leaves no pixel of a "
                f"{dimensions['width'] or ''}x{dimensions['height'] or ''} thumbnail."
            )
        dimensions = scaled
    kwargs = {k: _plain(v) for k, v in generator_kwargs.items()}
    kwargs.update(dimensions)
    generator_id = DEFAULT_THUMBNAIL_GENERATOR if generator_id is None else generator_id
    return thumbnail_cachefile(generator_id, kwargs, source)


def srcset_factors(scales: Any, origin: str) -> list[float]:
    """Return the scale factors of a ``srcset=`` value, or of the default if *scales* is unset.

    *scales* is what the tag was given (resolved), or :data:`UNSET` when it
    gave none: then ``IMAGEKIT_DEFAULT_THUMBNAIL_SRCSET_SCALES`` applies.
    """
    if scales is UNSET:
        scales, origin = DEFAULT_THUMBNAIL_SRCSET_SCALES, "IMAGEKIT_DEFAULT_THUMBNAIL_SRCSET_SCALES"
    return parse_srcset(scales, origin) if scales else []


def density_srcset(
    file: ImageCacheFile, factors: list[float], file_at: Callable[[float], ImageCacheFile]
) -> dict[str, str]:
    """Return ``{"srcset": "URL 1x , URL 2x"}`` (ImageKit's spelling), or {} without factors.

    *file_at* is called with each factor and returns that scale's cache file.
    """
    if not factors:
        return {}
    entries = [f"{file.url} 1x"]
    for factor in factors:
        entries.append(f"{file_at(factor).url} {factor}x")
    return {"srcset": " , ".join(entries)}


# --- nodes ---------------------------------------------------------------------


class ImageKitNode(template.Node):
    """The shared base of the tag nodes: resolve arguments, build the file, render."""

    def __init__(
        self,
        generator_id: FilterExpression | None,
        generator_kwargs: dict[str, FilterExpression],
        html_attrs: dict[str, FilterExpression] | None = None,
        varname: str | None = None,
    ):
        self._generator_id = generator_id
        self._generator_kwargs = generator_kwargs
        self._html_attrs = html_attrs or {}
        self._varname = varname

    def get_file(self, context: Context) -> ImageCacheFile:
        # Only {% thumbnail %} nodes have no id, and they build their own files.
        return get_cachefile(context, self._generator_id, self._generator_kwargs)  # type: ignore[arg-type]

    def render(self, context: Context) -> str:
        if self._varname:
            context[self._varname] = self.get_file(context)
            return ""
        return render_or_skip(self.render_img, context)

    def render_img(self, context: Context) -> str:
        attrs = {k: v.resolve(context) for k, v in self._html_attrs.items()}
        return img_tag(self.get_file(context), attrs, self.extra_attrs(context))

    def extra_attrs(self, context: Context) -> Callable[[ImageCacheFile], dict[str, str]] | None:
        """Return what gives the attributes added after ``src`` for a file, or None if none."""
        return None


class GenerateImageAssignmentNode(ImageKitNode):
    """``{% generateimage 'id' k=v as var %}``."""


class GenerateImageTagNode(ImageKitNode):
    """``{% generateimage 'id' k=v -- attr=value %}``."""


if TYPE_CHECKING:
    _ThumbnailBase = ImageKitNode
else:
    _ThumbnailBase = object  # a mixin: the nodes below put ImageKitNode after it


class _ThumbnailMixin(_ThumbnailBase):
    """Build thumbnails from a geometry, a source and thumbnail options."""

    def __init__(
        self,
        generator_id: FilterExpression | None,
        dimensions: FilterExpression,
        source: FilterExpression,
        generator_kwargs: dict[str, FilterExpression],
        html_attrs: dict[str, FilterExpression] | None = None,
        varname: str | None = None,
    ):
        generator_kwargs = dict(generator_kwargs)
        self._srcset = generator_kwargs.pop("srcset", UNSET)
        super().__init__(generator_id, generator_kwargs, html_attrs, varname)
        self._dimensions = dimensions
        literal = _literal(dimensions)
        self._literal_dimensions = parse_dimensions(literal) if literal is not None else None
        self._source = source
        # A literal srcset is checked when the template compiles.
        self._literal_scales = None
        srcset_literal = (
            _literal(self._srcset)  # type: ignore[arg-type]  # not UNSET
            if self._srcset is not UNSET
            else None
        )
        if srcset_literal is not None:
            try:
                self._literal_scales = parse_srcset(srcset_literal)
            except ValueError as exc:
                raise template.TemplateSyntaxError(str(exc)) from exc

    def get_file(self, context: Context, scale: float | None = None) -> ImageCacheFile:
        dimensions = self._literal_dimensions or parse_dimensions(self._dimensions.resolve(context))
        generator_id = (
            self._generator_id.resolve(context) if self._generator_id is not None else None
        )
        kwargs = {k: v.resolve(context) for k, v in self._generator_kwargs.items()}
        # Resolved once, here (get_cachefile would resolve them again).
        return thumbnail_file(
            generator_id, dimensions, self._source.resolve(context), kwargs, scale
        )

    def extra_attrs(self, context: Context) -> Callable[[ImageCacheFile], dict[str, str]] | None:
        if self._literal_scales is not None:
            factors = self._literal_scales
        else:
            scales = (
                self._srcset if self._srcset is UNSET else self._srcset.resolve(context)  # type: ignore[attr-defined]
            )
            factors = srcset_factors(scales, "srcset")
        if not factors:
            return None
        return lambda file: density_srcset(file, factors, lambda f: self.get_file(context, f))


class ThumbnailAssignmentNode(_ThumbnailMixin, ImageKitNode):
    """``{% thumbnail '100x50' source as var %}``."""


class ThumbnailImageTagNode(_ThumbnailMixin, ImageKitNode):
    """``{% thumbnail '100x50' source -- attr=value %}``."""


# --- tags -----------------------------------------------------------------------


#: The keyword arguments of ``{% thumbnail %}`` with the default generator.
THUMBNAIL_ARGUMENTS = ("anchor", "crop", "upscale", "format", "srcset")


def _compile_check(check: Callable[[str, str], object], value: str, origin: str) -> None:
    """Run *check* on a literal tag argument; a failure is a ``TemplateSyntaxError``."""
    try:
        check(value, origin)
    except (ValueError, UnknownFormat) as exc:
        raise template.TemplateSyntaxError(str(exc)) from exc


def check_thumbnail_arguments(tag_name: str, literals: dict[str, Any]) -> None:
    """Check the keyword arguments of a ``thumbnail`` tag with the default generator.

    *literals* maps each argument's name to its value if the template gives
    it as a constant, else to None. Raise ``TemplateSyntaxError`` for an
    unknown argument, or a bad literal ``format`` or ``anchor``.
    """
    refuse_unknown_arguments(tag_name, literals, THUMBNAIL_ARGUMENTS)
    for name, check in (("format", check_format), ("anchor", check_anchor)):
        literal = literals.get(name)
        if literal is not None:
            _compile_check(check, literal, f"'{tag_name}' {name}=")


@register.tag
def generateimage(parser: Parser, token: Token) -> ImageKitNode:
    """Render an ``<img>`` for a registered generator, or assign its file.

    ``{% generateimage 'myapp:thumb' source=photo.image -- alt="" %}``
    """
    tag_name, bits, html_attrs, varname = parse_ik_tag_bits(parser, token.split_contents())
    args, kwargs = _split_args(parser, bits, tag_name, _KWARG)
    if len(args) != 1:
        raise template.TemplateSyntaxError(
            f"'{tag_name}' takes exactly one positional argument, the generator id "
            f"(got {len(args)})."
        )
    format_literal = _literal(kwargs["format"]) if "format" in kwargs else None
    if format_literal is not None:
        _compile_check(check_format, format_literal, f"'{tag_name}' format=")
    if varname:
        return GenerateImageAssignmentNode(args[0], kwargs, varname=varname)
    return GenerateImageTagNode(args[0], kwargs, html_attrs)


_T = TypeVar("_T")


def thumbnail_positionals(tag_name: str, args: Sequence[_T]) -> tuple[_T | None, _T, _T]:
    """Split ``{% thumbnail %}``'s positional arguments.

    Return (generator id or None, geometry, source).
    """
    if len(args) == 2:  # noqa: PLR2004
        return None, args[0], args[1]
    if len(args) == 3:  # noqa: PLR2004
        return args[0], args[1], args[2]
    raise template.TemplateSyntaxError(
        f"'{tag_name}' takes two or three positional arguments: an optional "
        f"generator id, the geometry ('100x50') and the source (got {len(args)})."
    )


def check_thumbnail_tag(
    tag_name: str,
    geometry: str | None,
    literals: dict[str, str | None] | None,
    srcset_given: bool,
    varname: str | None,
) -> None:
    """Check what ``{% thumbnail %}`` can check when its template compiles (any engine).

    *geometry* is the literal geometry (None: from a variable); *literals*
    the keyword arguments' literals, for ``imagekit:thumbnail`` only (None:
    another generator, whose arguments are its own).
    """
    if geometry is not None:
        parse_dimensions(geometry)
    if literals is not None:
        check_thumbnail_arguments(tag_name, literals)
    if varname and srcset_given:
        raise template.TemplateSyntaxError(
            f"'{tag_name}': srcset= only applies to the <img> form, not to "
            f"'{ASSIGNMENT_DELIMETER} {varname}'."
        )


def refuse_unknown_arguments(tag_name: str, given: Iterable[str], known: Sequence[str]) -> None:
    """Raise ``TemplateSyntaxError`` for the first of *given* not in *known*."""
    unknown = [name for name in given if name not in known]
    if unknown:
        raise template.TemplateSyntaxError(
            f"'{tag_name}' got an unknown argument {unknown[0]}=; it takes "
            f"{', '.join(name + '=' for name in known)} (and HTML "
            f"attributes after '{HTML_ATTRS_DELIMITER}')."
        )


@register.tag
def thumbnail(parser: Parser, token: Token) -> ImageKitNode:
    """Render an ``<img>`` of a thumbnail, or assign its file.

    ``{% thumbnail [generator_id] 'WxH' source [anchor=.. crop=.. upscale=..
    format=.. srcset=..] [-- attrs | as var] %}``
    """
    tag_name, bits, html_attrs, varname = parse_ik_tag_bits(parser, token.split_contents())
    args, kwargs = _split_args(parser, bits, tag_name, _KWARG)
    generator_id, dimensions, source = thumbnail_positionals(tag_name, args)
    check_thumbnail_tag(
        tag_name,
        _literal(dimensions),
        {k: _literal(v) for k, v in kwargs.items()} if generator_id is None else None,
        "srcset" in kwargs,
        varname,
    )
    if varname:
        return ThumbnailAssignmentNode(generator_id, dimensions, source, kwargs, varname=varname)
    return ThumbnailImageTagNode(generator_id, dimensions, source, kwargs, html_attrs)


# --- {% picture %} ------------------------------------------------------------------

#: The keyword arguments of ``{% picture %}``; a generator id takes others too
#: (passed to its generator).
PICTURE_ARGUMENTS = (
    "source",
    "widths",
    "formats",
    "sizes",
    "placeholder",
    "upscale",
    "anchor",
    "crop",
    "quality",
)


class PictureNode(ImageKitNode):
    """``{% picture what [source] k=v [-- attrs | as var] %}``."""

    _generator_id: FilterExpression  # what the picture is of: never None

    def __init__(
        self,
        what: FilterExpression,
        source: FilterExpression | None,
        kwargs: dict[str, FilterExpression],
        html_attrs: dict[str, FilterExpression] | None = None,
        varname: str | None = None,
    ):
        super().__init__(what, kwargs, html_attrs, varname)
        self._source = source

    def get_file(self, context: Context) -> Picture:  # type: ignore[override]  # for render()
        from ..pictures import build_picture

        options = {k: _plain(v.resolve(context)) for k, v in self._generator_kwargs.items()}
        source = self._source.resolve(context) if self._source is not None else None
        if "source" in options:
            source = options.pop("source")
        known = {k: options.pop(k) for k in list(options) if k in PICTURE_ARGUMENTS}
        if options:
            known["generator_kwargs"] = options
        return build_picture(_plain(self._generator_id.resolve(context)), source, **known)

    def render_img(self, context: Context) -> str:
        from ..pictures import render_picture

        picture = self.get_file(context)
        attrs = {k: v.resolve(context) for k, v in self._html_attrs.items()}
        return render_picture(picture, attrs)


def _check_picture_arguments(
    tag_name: str, what: _Compiled, kwargs: Mapping[str, _Compiled], positional: int
) -> None:
    from ..pictures import check_placeholder, check_sizes, parse_formats, parse_widths

    literal = _literal(what)
    is_geometry = positional == 2  # noqa: PLR2004 - geometry and source
    if literal is not None and positional == 1 and "source" in kwargs:
        is_geometry = "x" in literal and literal.replace("x", "").strip().isdigit()
    if is_geometry:
        if literal is not None:
            parse_dimensions(literal)
        refuse_unknown_arguments(tag_name, kwargs, PICTURE_ARGUMENTS)
    checks: dict[str, Callable[[str, str], object]] = {
        "widths": parse_widths,
        "formats": parse_formats,
        "sizes": check_sizes,
        "placeholder": check_placeholder,
        "anchor": check_anchor,
    }
    for name, check in checks.items():
        value = _literal(kwargs[name]) if name in kwargs else None
        if value is not None:
            _compile_check(check, value, f"'{tag_name}' {name}=")


@register.tag
def picture(parser: Parser, token: Token) -> ImageKitNode:
    """Render a ``<picture>`` with a width ``srcset`` per format, or assign the picture.

    ``{% picture 'WxH' source [widths=.. formats=.. sizes=.. placeholder=..
    upscale=.. anchor=.. crop=.. quality=..] [-- attrs | as var] %}``; the
    first argument may also be a generator id (with ``source=``) or a cache
    file (an ``ImageSpecField`` value).
    """
    tag_name, bits, html_attrs, varname = parse_ik_tag_bits(parser, token.split_contents())
    args, kwargs = _split_args(parser, bits, tag_name, _KWARG)
    if len(args) == 2:  # noqa: PLR2004
        if "source" in kwargs:
            raise template.TemplateSyntaxError(
                f"'{tag_name}' got the source twice: as its second argument and as source=."
            )
        what, source = args
    elif len(args) == 1:
        what, source = args[0], None
    else:
        raise template.TemplateSyntaxError(
            f"'{tag_name}' takes one or two positional arguments: a geometry and the source "
            f"('800x600' photo.image), a generator id (with source=) or a cache file "
            f"(got {len(args)})."
        )
    _check_picture_arguments(tag_name, what, kwargs, len(args))
    return PictureNode(what, source, kwargs, html_attrs, varname)
