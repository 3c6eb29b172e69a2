"""The template tags for Jinja2: ``{% thumbnail %}``, ``{% generateimage %}``, ``{% picture %}``.

Add :class:`ImageKitExtension` to the environment's extensions, with Django's
Jinja2 backend or with django-jinja (see docs/topics/integrations.rst)::

    "OPTIONS": {"extensions": ["imagekit.jinja2.ImageKitExtension"]}

The tags are written as in Django templates, and render the same bytes::

    {% thumbnail '100x50' photo.image anchor='c' -- alt="" class="thumb" %}
    {% thumbnail '100x50' photo.image as th %}<img src="{{ th.url }}">
    {% generateimage 'myapp:thumb' source=photo.image -- alt="" %}
    {% picture '800x600' photo.image widths='320 640' formats='avif webp' -- alt="" %}

Why tags and not global functions: a template moves between the two engines
without a change, ``as`` works as it does in Django, HTML attributes keep
their names (``data-id=...``, which a Jinja keyword argument cannot be), and
a bad literal argument is a ``TemplateSyntaxError`` when the template
compiles, with the same message as the Django tag, and the line.

Each argument is one value: a literal, or a variable with attributes,
subscripts, calls and filters. Put anything with an operator in parentheses:
``('100x' ~ size)``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import template as django_template
from jinja2 import nodes
from jinja2.exceptions import TemplateSyntaxError
from jinja2.ext import Extension
from jinja2.parser import Parser
from jinja2.runtime import Undefined
from markupsafe import Markup

from .arguments import check_format
from .cachefiles import ImageCacheFile
from .registry import generator_registry
from .templatetags.imagekit import (
    ASSIGNMENT_DELIMETER,
    HTML_ATTRS_DELIMITER,
    PICTURE_ARGUMENTS,
    UNSET,
    _check_picture_arguments,
    _compile_check,
    check_thumbnail_tag,
    density_srcset,
    img_tag,
    parse_dimensions,
    parse_srcset,
    render_or_skip,
    srcset_factors,
    thumbnail_file,
    thumbnail_positionals,
)

if TYPE_CHECKING:
    from .pictures import Picture

__all__ = ["ImageKitExtension"]

# The tokens that may join the parts of an HTML attribute name (data-id,
# xml:lang); Jinja's lexer splits such a name around them.
_NAME_JOINERS = {"sub": "-", "colon": ":", "dot": "."}


class _Bits:
    """What a tag says: positional and keyword arguments, HTML attributes, ``as`` name."""

    def __init__(self) -> None:
        self.args: list[nodes.Expr] = []
        self.kwargs: dict[str, nodes.Expr] = {}
        self.attrs: dict[str, nodes.Expr] = {}
        self.varname: str | None = None


def _literal(node: nodes.Expr) -> str | None:
    """Return the string *node* stands for, if it is a constant (as the Django tags do)."""
    if isinstance(node, nodes.Const) and isinstance(node.value, str):
        return node.value
    return None


def _plain(value: Any) -> Any:
    """Return *value* as the Django tags would have resolved it.

    A Jinja ``Undefined`` is "", as Django's missing variables are (a
    ``StrictUndefined`` raises, naming the variable), and ``Markup`` is plain
    text, so that it hashes into a cache file name as the same text does.
    """
    if isinstance(value, Undefined):
        if value:  # a StrictUndefined raises here; the others are false
            return str(value)
        return ""
    if isinstance(value, Markup):
        return str.__str__(value)
    return value


def _attr_value(value: Any) -> Any:
    # An Undefined attribute is its text: "" (as Django's missing variables)
    # unless the environment's Undefined class says otherwise (DebugUndefined).
    return str(value) if isinstance(value, Undefined) else value


class _Argument:
    """An argument as the Django tags' compile-time checks read it: its literal text, or None.

    Those checks look at a ``FilterExpression``'s ``var`` and ``filters``;
    this gives them the same two attributes, so that they run unchanged here.
    """

    filters = ()

    def __init__(self, node: nodes.Expr):
        self.var = _literal(node)


class ImageKitExtension(Extension):
    """Add the ``thumbnail``, ``generateimage`` and ``picture`` tags to a Jinja2 environment."""

    tags = {"thumbnail", "generateimage", "picture"}

    # --- parsing ---------------------------------------------------------------

    def parse(self, parser: Parser) -> nodes.Node:
        token = next(parser.stream)
        bits = self._parse_bits(parser, token.value, token.lineno)
        try:
            if token.value == "thumbnail":
                return self._thumbnail(bits, token.value, token.lineno)
            if token.value == "picture":
                return self._picture(bits, token.value, token.lineno)
            return self._generateimage(bits, token.value, token.lineno)
        except django_template.TemplateSyntaxError as exc:
            # The checks the Django tags share: same message, with the line.
            parser.fail(str(exc), token.lineno, TemplateSyntaxError)

    def _parse_bits(self, parser: Parser, tag_name: str, lineno: int) -> _Bits:
        stream = parser.stream
        bits = _Bits()
        while stream.current.type != "block_end":
            if stream.current.test("sub") and stream.look().test("sub"):
                next(stream)
                next(stream)
                self._parse_attrs(parser, tag_name, bits, lineno)
                break
            if stream.current.test(f"name:{ASSIGNMENT_DELIMETER}") and stream.look().test("name"):
                next(stream)
                bits.varname = next(stream).value
                if stream.current.type != "block_end":
                    parser.fail(
                        f"'{tag_name}': nothing may follow "
                        f"'{ASSIGNMENT_DELIMETER} {bits.varname}'.",
                        stream.current.lineno,
                    )
                break
            if stream.current.test("name") and stream.look().test("assign"):
                name = next(stream).value
                next(stream)
                if name in bits.kwargs:
                    parser.fail(
                        f"'{tag_name}' received multiple values for the argument {name!r}.",
                        lineno,
                    )
                bits.kwargs[name] = _parse_value(parser)
                continue
            if bits.kwargs:
                parser.fail(
                    f"'{tag_name}' received the positional argument "
                    f"{stream.current.value!r} after a keyword argument.",
                    lineno,
                )
            bits.args.append(_parse_value(parser))
        return bits

    def _parse_attrs(self, parser: Parser, tag_name: str, bits: _Bits, lineno: int) -> None:
        stream = parser.stream
        if stream.current.type == "block_end":
            parser.fail(
                f'"{HTML_ATTRS_DELIMITER}" in "{tag_name}" must be followed by HTML '
                "attributes (name=value).",
                lineno,
            )
        while stream.current.type != "block_end":
            if stream.current.test(f"name:{ASSIGNMENT_DELIMETER}") and stream.look().test("name"):
                next(stream)
                parser.fail(
                    f'Do not give HTML attributes (after "{HTML_ATTRS_DELIMITER}") when '
                    f'using "{tag_name}" as an assignment tag '
                    f'("{ASSIGNMENT_DELIMETER} {stream.current.value}").',
                    lineno,
                )
            start = stream.current
            name = ""
            if start.test("name"):
                name = next(stream).value
                while stream.current.type in _NAME_JOINERS and stream.look().type in (
                    "name",
                    "integer",
                ):
                    name += _NAME_JOINERS[next(stream).type] + str(next(stream).value)
            if not name or not stream.current.test("assign"):
                parser.fail(
                    f'All "{tag_name}" arguments after "{HTML_ATTRS_DELIMITER}" must be '
                    f"named (name=value); got {start.value!r}.",
                    lineno,
                )
            next(stream)
            if name in bits.attrs:
                parser.fail(
                    f"'{tag_name}' received multiple values for the argument {name!r}.", lineno
                )
            value = _parse_value(parser)
            # A literal written in a Django template is taken as its author
            # wrote it, unescaped (Django marks template literals safe): so here.
            bits.attrs[name] = nodes.MarkSafe(value) if _literal(value) is not None else value

    def _generateimage(self, bits: _Bits, tag_name: str, lineno: int) -> nodes.Node:
        if len(bits.args) != 1:
            raise django_template.TemplateSyntaxError(
                f"'{tag_name}' takes exactly one positional argument, the generator id "
                f"(got {len(bits.args)})."
            )
        format_literal = _literal(bits.kwargs["format"]) if "format" in bits.kwargs else None
        if format_literal is not None:
            _compile_check(check_format, format_literal, f"'{tag_name}' format=")
        call_args = [bits.args[0], _dict(bits.kwargs, lineno)]
        if bits.varname:
            return self._assign(bits.varname, "_generateimage_file", call_args, lineno)
        call_args.append(_dict(bits.attrs, lineno))
        return self._output("_generateimage_img", call_args, lineno)

    def _thumbnail(self, bits: _Bits, tag_name: str, lineno: int) -> nodes.Node:
        given_id, dimensions, source = thumbnail_positionals(tag_name, bits.args)
        srcset = bits.kwargs.get("srcset")
        check_thumbnail_tag(
            tag_name,
            _literal(dimensions),
            {name: _literal(value) for name, value in bits.kwargs.items()}
            if given_id is None
            else None,
            srcset is not None,
            bits.varname,
        )
        generator_id = given_id if given_id is not None else nodes.Const(None, lineno=lineno)
        if bits.varname:
            call_args = [generator_id, dimensions, source, _dict(bits.kwargs, lineno)]
            return self._assign(bits.varname, "_thumbnail_file", call_args, lineno)
        srcset_literal = _literal(srcset) if srcset is not None else None
        if srcset_literal is not None:
            try:
                parse_srcset(srcset_literal)
            except ValueError as exc:
                raise django_template.TemplateSyntaxError(str(exc)) from exc
        call_args = [
            generator_id,
            dimensions,
            source,
            _dict(bits.kwargs, lineno),
            _dict(bits.attrs, lineno),
        ]
        return self._output("_thumbnail_img", call_args, lineno)

    def _picture(self, bits: _Bits, tag_name: str, lineno: int) -> nodes.Node:
        if len(bits.args) == 2:  # noqa: PLR2004
            if "source" in bits.kwargs:
                raise django_template.TemplateSyntaxError(
                    f"'{tag_name}' got the source twice: as its second argument and as source=."
                )
            what, source = bits.args
        elif len(bits.args) == 1:
            what, source = bits.args[0], nodes.Const(None, lineno=lineno)
        else:
            raise django_template.TemplateSyntaxError(
                f"'{tag_name}' takes one or two positional arguments: a geometry and the source "
                f"('800x600' photo.image), a generator id (with source=) or a cache file "
                f"(got {len(bits.args)})."
            )
        _check_picture_arguments(
            tag_name,
            _Argument(what),
            {name: _Argument(value) for name, value in bits.kwargs.items()},
            len(bits.args),
        )
        call_args = [what, source, _dict(bits.kwargs, lineno)]
        if bits.varname:
            return self._assign(bits.varname, "_build_picture", call_args, lineno)
        call_args.append(_dict(bits.attrs, lineno))
        return self._output("_picture_html", call_args, lineno)

    def _output(self, method: str, args: list[nodes.Expr], lineno: int) -> nodes.Node:
        return nodes.Output([self.call_method(method, args, lineno=lineno)], lineno=lineno)

    def _assign(self, varname: str, method: str, args: list[nodes.Expr], lineno: int) -> nodes.Node:
        target = nodes.Name(varname, "store", lineno=lineno)
        return nodes.Assign(target, self.call_method(method, args, lineno=lineno), lineno=lineno)

    # --- rendering (called by the compiled templates) ----------------------------

    def _generateimage_file(self, generator_id: Any, kwargs: dict[str, Any]) -> ImageCacheFile:
        kwargs = {name: _plain(value) for name, value in kwargs.items()}
        return ImageCacheFile(generator_registry.get(_plain(generator_id), **kwargs))

    def _generateimage_img(
        self, generator_id: Any, kwargs: dict[str, Any], attrs: dict[str, Any]
    ) -> Markup:
        def render() -> str:
            file = self._generateimage_file(generator_id, kwargs)
            return img_tag(file, {name: _attr_value(v) for name, v in attrs.items()})

        return Markup(render_or_skip(render))

    def _thumbnail_file(
        self,
        generator_id: Any,
        dimensions: Any,
        source: Any,
        kwargs: dict[str, Any],
        scale: float | None = None,
    ) -> ImageCacheFile:
        kwargs = {name: _plain(value) for name, value in kwargs.items()}
        return thumbnail_file(
            _plain(generator_id),
            parse_dimensions(_plain(dimensions)),
            _plain(source),
            kwargs,
            scale,
        )

    def _thumbnail_img(
        self,
        generator_id: Any,
        dimensions: Any,
        source: Any,
        kwargs: dict[str, Any],
        attrs: dict[str, Any],
    ) -> Markup:
        kwargs = dict(kwargs)
        scales = kwargs.pop("srcset", UNSET)

        def file_at(scale: float | None = None) -> ImageCacheFile:
            return self._thumbnail_file(generator_id, dimensions, source, kwargs, scale)

        def render() -> str:
            attrs_now = {name: _attr_value(value) for name, value in attrs.items()}
            return img_tag(
                file_at(),
                attrs_now,
                lambda file: density_srcset(
                    file, srcset_factors(_plain(scales), "srcset"), file_at
                ),
            )

        return Markup(render_or_skip(render))

    def _build_picture(self, what: Any, source: Any, kwargs: dict[str, Any]) -> Picture:
        from .pictures import build_picture

        options = {name: _plain(value) for name, value in kwargs.items()}
        source = options.pop("source") if "source" in options else _plain(source)
        known = {name: options.pop(name) for name in list(options) if name in PICTURE_ARGUMENTS}
        if options:  # a generator id's own arguments
            known["generator_kwargs"] = options
        return build_picture(_plain(what), source, **known)

    def _picture_html(
        self, what: Any, source: Any, kwargs: dict[str, Any], attrs: dict[str, Any]
    ) -> Markup:
        from .pictures import render_picture

        def render() -> str:
            picture = self._build_picture(what, source, kwargs)
            return render_picture(picture, {name: _attr_value(v) for name, v in attrs.items()})

        return Markup(render_or_skip(render))


def _parse_value(parser: Parser) -> nodes.Expr:
    """Parse one argument: a literal or a variable, with attributes, calls and filters.

    Not ``parse_expression()``: that would read ``photo.image -- alt`` as a
    subtraction. And a string is read alone, where Jinja's own grammar joins
    adjacent strings (``'myapp:thumb' '100x50'`` would be one argument).
    """
    stream = parser.stream
    if stream.current.type == "string":
        token = next(stream)
        node: nodes.Expr = nodes.Const(token.value, lineno=token.lineno)
        return parser.parse_filter_expr(parser.parse_postfix(node))
    return parser.parse_unary()


def _dict(items: dict[str, nodes.Expr], lineno: int) -> nodes.Dict:
    pairs = [nodes.Pair(nodes.Const(name), value, lineno=lineno) for name, value in items.items()]
    return nodes.Dict(pairs, lineno=lineno)
