"""The Jinja2 extension: the same tags, the same bytes, the same errors.

Each template is rendered by Django's own template engine (with
``{% load imagekit %}``) and by a real Jinja2 engine configured the way the
docs say: Django's ``django.template.backends.jinja2.Jinja2`` backend and
django-jinja's backend, both reached through ``django.template.engines``.
"""

from __future__ import annotations

import jinja2
import pytest
from django.template import Context, Template, TemplateSyntaxError, engines

from imagekit.cachefiles import ImageCacheFile
from imagekit.exceptions import MissingSource
from tests.testapp.models import Photo

EXTENSION = "imagekit.jinja2.ImageKitExtension"

BACKENDS = {
    "django's jinja2 backend": "django.template.backends.jinja2.Jinja2",
    "django-jinja": "django_jinja.backend.Jinja2",
}


@pytest.fixture(params=list(BACKENDS))
def jinja(request, settings):
    """A Jinja2 engine with the imagekit extension, from settings.TEMPLATES."""
    options = {"extensions": [EXTENSION]}
    if request.param == "django-jinja":
        from django_jinja.builtins import DEFAULT_EXTENSIONS

        options = {"extensions": [*DEFAULT_EXTENSIONS, EXTENSION], "match_extension": None}
    settings.TEMPLATES = [
        *settings.TEMPLATES,
        {
            "BACKEND": BACKENDS[request.param],
            "NAME": "jinja",
            "APP_DIRS": False,
            "OPTIONS": options,
        },
    ]
    return engines["jinja"]


@pytest.fixture
def photo(db, media_storage, image_file):
    return Photo.objects.create(original_image=image_file("photo.jpg", size=(200, 100)))


@pytest.fixture
def sourceless_photo(db, media_storage):
    return Photo.objects.create()


def django_render(source: str, context: dict) -> str:
    return Template("{% load imagekit %}" + source).render(Context(context))


def jinja_render(engine, source: str, context: dict) -> str:
    return engine.from_string(source).render(context)


#: Templates that read the same in both languages, with what they exercise.
SAME_TEMPLATES = {
    "thumbnail": "{% thumbnail '100x50' photo.original_image %}",
    "thumbnail options": (
        "{% thumbnail '100x50' photo.original_image anchor='tl' crop=0 upscale=True format='PNG' %}"
    ),
    "one side": "{% thumbnail 'x30' photo.original_image %}",
    "geometry from a variable": "{% thumbnail geometry photo.original_image %}",
    "html attributes": (
        "{% thumbnail '100x50' photo.original_image -- alt=\"A & B\" class='thumb' "
        "data-id=photo.pk aria-label=title %}"
    ),
    "author's width": "{% thumbnail '100x50' photo.original_image -- width=80 %}",
    "srcset": "{% thumbnail '60x30' photo.original_image srcset='1.5 2' -- alt='' %}",
    "srcset from a variable": "{% thumbnail '60x30' photo.original_image srcset=scales %}",
    "generator id": "{% thumbnail 'imagekit:thumbnail' '40x40' photo.original_image %}",
    "thumbnail as": (
        "{% thumbnail '100x50' photo.original_image as th %}"
        '<img src="{{ th.url }}" width="{{ th.width }}" height="{{ th.height }}">'
    ),
    "generateimage": "{% generateimage 'tests:photo:thumbnail' source=photo.original_image %}",
    "generateimage attributes": (
        "{% generateimage 'tests:photo:thumbnail' source=photo.original_image -- alt=title %}"
    ),
    "generateimage as": (
        "{% generateimage 'tests:photo:thumbnail' source=photo.original_image as th %}"
        "{{ th.url }} {{ th.width }}x{{ th.height }}"
    ),
    "picture": (
        "{% picture '60x40' photo.original_image widths='20 40 60' formats='avif webp' "
        "placeholder='blur' -- alt='' class='hero' %}"
    ),
    "picture sizes and colour": (
        "{% picture 'x40' photo.original_image widths=widths formats='webp' "
        "sizes='(min-width: 60em) 50vw, 100vw' placeholder='color' -- style='border:0' %}"
    ),
    "picture of a spec field": "{% picture photo.thumbnail widths='25 50' formats='webp' %}",
    "picture of a generator": (
        "{% picture 'tests:photo:thumbnail' source=photo.original_image widths='25' "
        "formats='' -- alt=title %}"
    ),
    "picture as": (
        "{% picture photo.thumbnail widths='25 50' formats='webp' as pic %}"
        '<img src="{{ pic.img.url }}" srcset="{{ pic.sources.0.srcset }}" '
        'width="{{ pic.img.width }}">'
    ),
    "in a loop": (
        "{% for p in photos %}{% thumbnail '20x20' p.original_image -- alt=title %}{% endfor %}"
    ),
}


def context_for(photo) -> dict:
    return {
        "photo": photo,
        "photos": [photo, photo],
        "geometry": "70x",
        "title": '<script>"x"</script>',
        "scales": [2],
        "widths": [30, 60],
    }


@pytest.mark.parametrize("name", list(SAME_TEMPLATES))
def test_the_jinja2_tags_render_the_same_bytes_as_the_django_tags(name, jinja, photo):
    source = SAME_TEMPLATES[name]

    expected = django_render(source, context_for(photo))

    assert jinja_render(jinja, source, context_for(photo)) == expected
    assert "/media/CACHE/" in expected  # something was rendered


def test_the_jinja2_thumbnail_is_the_same_cache_file_as_the_django_one(jinja, photo, media_storage):
    source = "{% thumbnail '100x50' photo.original_image anchor='c' as th %}{{ th.name }}"

    name = jinja_render(jinja, source, {"photo": photo})

    assert name == django_render(source, {"photo": photo})
    assert not media_storage.exists(name)  # the as form generates nothing by itself
    jinja_render(
        jinja, "{% thumbnail '100x50' photo.original_image anchor='c' %}", {"photo": photo}
    )
    assert media_storage.exists(name)


def test_the_as_form_puts_an_image_cache_file_in_the_template(jinja, photo):
    template = jinja.from_string(
        "{% thumbnail '100x50' photo.original_image as th %}{{ th.__class__.__name__ }}"
    )

    assert template.render({"photo": photo}) == ImageCacheFile.__name__


def test_an_html_attribute_from_a_safe_variable_is_not_escaped_again(jinja, photo):
    html = jinja_render(
        jinja,
        "{% thumbnail '10x10' photo.original_image -- alt=title|safe %}",
        {"photo": photo, "title": "Tom &amp; Jerry"},
    )

    assert 'alt="Tom &amp; Jerry"' in html


def test_an_undefined_html_attribute_renders_as_empty_text_as_in_django(photo):
    environment = jinja2.Environment(extensions=[EXTENSION], autoescape=True)

    html = environment.from_string(
        "{% thumbnail '10x10' photo.original_image -- alt=nothing %}"
    ).render(photo=photo)

    assert html.startswith('<img alt="" width="10" height="10" src="/media/CACHE/')


def test_the_extension_works_in_a_plain_jinja2_environment(photo):
    environment = jinja2.Environment(extensions=[EXTENSION], autoescape=True)
    source = "{% thumbnail '100x50' photo.original_image -- alt='x' %}"

    html = environment.from_string(source).render(photo=photo)

    assert html == django_render(source, {"photo": photo})


def test_a_strict_undefined_source_raises_naming_the_variable(photo):
    environment = jinja2.Environment(extensions=[EXTENSION], undefined=jinja2.StrictUndefined)

    with pytest.raises(jinja2.UndefinedError, match="photo"):
        environment.from_string("{% thumbnail '10x10' photo.image %}").render()


def test_arguments_with_an_operator_may_be_given_in_parentheses(jinja, photo):
    html = jinja_render(
        jinja,
        "{% thumbnail (size ~ 'x' ~ size) photo.original_image %}",
        {"photo": photo, "size": 30},
    )

    assert html == django_render("{% thumbnail '30x30' photo.original_image %}", {"photo": photo})


# --- missing sources ------------------------------------------------------------


@pytest.mark.parametrize(
    "source",
    [
        "{% thumbnail '10x10' photo.original_image %}",
        "{% generateimage 'tests:photo:thumbnail' source=photo.original_image %}",
        "{% thumbnail '10x10' nothing %}",
    ],
)
def test_a_missing_source_renders_nothing_when_the_policy_is_empty(
    source, jinja, sourceless_photo, settings
):
    settings.IMAGEKIT_TEMPLATE_MISSING_SOURCE = "empty"

    assert jinja_render(jinja, source, {"photo": sourceless_photo}) == ""
    assert django_render(source, {"photo": sourceless_photo}) == ""


def test_a_missing_source_raises_when_the_policy_is_raise(jinja, sourceless_photo, settings):
    settings.IMAGEKIT_TEMPLATE_MISSING_SOURCE = "raise"

    with pytest.raises(MissingSource):
        jinja_render(
            jinja, "{% thumbnail '10x10' photo.original_image %}", {"photo": sourceless_photo}
        )


# --- errors ---------------------------------------------------------------------

#: Templates the Django tags reject when they compile, with the words that
#: name what is wrong.
BAD_TEMPLATES = {
    "bad geometry": ("{% thumbnail '100y50' photo.original_image %}", "'100y50'"),
    "no side": ("{% thumbnail 'x' photo.original_image %}", "give a width, a height or both"),
    "unknown argument": ("{% thumbnail '10x10' photo.original_image colour=1 %}", "colour="),
    "bad anchor": ("{% thumbnail '10x10' photo.original_image anchor='middle' %}", "'middle'"),
    "bad format": ("{% thumbnail '10x10' photo.original_image format='JPG2' %}", "'JPG2'"),
    "bad srcset": ("{% thumbnail '10x10' photo.original_image srcset='2 big' %}", "'big'"),
    "srcset with as": (
        "{% thumbnail '10x10' photo.original_image srcset='2' as th %}",
        "srcset= only applies to the <img> form",
    ),
    "one positional": ("{% thumbnail photo.original_image %}", "(got 1)"),
    "four positional": ("{% thumbnail 'a' 'b' 'c' 'd' %}", "(got 4)"),
    "generateimage without id": ("{% generateimage source=photo.original_image %}", "(got 0)"),
    "generateimage bad format": (
        "{% generateimage 'tests:photo:thumbnail' source=photo.original_image format='JPEGG' %}",
        "'JPEGG'",
    ),
    "nothing after --": ("{% thumbnail '10x10' photo.original_image -- %}", "must be followed"),
    "attributes with as": (
        "{% thumbnail '10x10' photo.original_image -- alt='' as th %}",
        "Do not give HTML attributes",
    ),
    "unnamed attribute": ("{% thumbnail '10x10' photo.original_image -- 'x' %}", "must be named"),
    "positional after keyword": (
        "{% thumbnail '10x10' anchor='c' photo.original_image %}",
        "after a keyword argument",
    ),
    "picture bad widths": ("{% picture '60x40' photo.original_image widths='20 wide' %}", "'wide'"),
    "picture bad formats": (
        "{% picture '60x40' photo.original_image formats='avif gif2' %}",
        "gif2",
    ),
    "picture bad sizes": ("{% picture '60x40' photo.original_image sizes='half' %}", "'half'"),
    "picture bad placeholder": (
        "{% picture '60x40' photo.original_image placeholder='fog' %}",
        "'fog'",
    ),
    "picture unknown argument": ("{% picture '60x40' photo.original_image colour=1 %}", "colour="),
    "picture source twice": (
        "{% picture '60x40' photo.original_image source=photo.original_image %}",
        "got the source twice",
    ),
    "picture three positional": ("{% picture 'a' 'b' 'c' %}", "(got 3)"),
    "repeated keyword": (
        "{% thumbnail '10x10' photo.original_image crop=0 crop=1 %}",
        "multiple values for the argument 'crop'",
    ),
}


@pytest.mark.parametrize("name", list(BAD_TEMPLATES))
def test_a_bad_tag_is_a_syntax_error_when_the_template_compiles(name, jinja):
    source, words = BAD_TEMPLATES[name]
    with pytest.raises(TemplateSyntaxError) as django_error:
        Template("{% load imagekit %}" + source)

    with pytest.raises((TemplateSyntaxError, jinja2.TemplateSyntaxError)) as jinja_error:
        jinja.from_string(source)

    assert words in str(django_error.value)
    assert words in str(jinja_error.value)


@pytest.mark.parametrize(
    "name",
    [
        "bad geometry",
        "unknown argument",
        "bad anchor",
        "bad format",
        "bad srcset",
        "picture bad widths",
        "picture bad formats",
        "picture bad sizes",
        "picture bad placeholder",
        "picture unknown argument",
        "picture source twice",
        "picture three positional",
    ],
)
def test_a_bad_literal_argument_has_the_django_tags_message_word_for_word(name, jinja):
    source, _words = BAD_TEMPLATES[name]
    with pytest.raises(TemplateSyntaxError) as django_error:
        Template("{% load imagekit %}" + source)

    with pytest.raises((TemplateSyntaxError, jinja2.TemplateSyntaxError)) as jinja_error:
        jinja.from_string(source)

    assert django_error.value.args[0] == jinja_error.value.args[0]


def test_a_syntax_error_names_the_line_of_the_tag():
    environment = jinja2.Environment(extensions=[EXTENSION])

    with pytest.raises(jinja2.TemplateSyntaxError) as error:
        environment.from_string("<p>\n\n{% thumbnail '1y1' photo.image %}</p>")

    assert error.value.lineno == 3


@pytest.mark.parametrize(
    ("geometry", "scales", "error"),
    [
        ("100y50", None, TemplateSyntaxError),
        ("10x10", "2 big", ValueError),
        ("10x10", [0.01], ValueError),
    ],
)
def test_a_bad_argument_from_a_variable_fails_at_render_time_as_in_django(
    geometry, scales, error, jinja, photo
):
    source = "{% thumbnail geometry photo.original_image srcset=scales %}"
    context = {"photo": photo, "geometry": geometry, "scales": scales}
    with pytest.raises(error) as django_error:
        django_render(source, context)

    with pytest.raises(error) as jinja_error:
        jinja_render(jinja, source, context)

    assert str(jinja_error.value) == str(django_error.value)
