"""``{% picture %}`` and :mod:`imagekit.pictures` (issue #12).

Rendered HTML is read back with :mod:`html.parser`, as a browser would see it.
Images are drawn with Pillow; files are read back from the storage.
"""

from __future__ import annotations

import io
import json
import threading

import pytest
from django.core.management import call_command
from django.template import Context, Template, TemplateSyntaxError
from PIL import Image

import tests.testapp.counted  # noqa: F401 - registers tests:counted
from imagekit.cachefiles import ImageCacheFile
from imagekit.cachefiles.backends import CacheFileState
from imagekit.cachefiles.worker import generate_from_payload
from imagekit.exceptions import SourceImageError
from imagekit.models import ImageSpecField
from imagekit.pictures import build_picture, parse_widths, render_picture
from tests.support.files import stored
from tests.support.markup import parse, srcset_urls, srcset_widths
from tests.testapp.counted import counted_runs
from tests.testapp.models import Photo, PictureSpecPhoto


def render(source: str, context: dict | None = None) -> str:
    return Template("{% load imagekit %}" + source).render(Context(context or {}))


def stored_image(storage, url: str) -> Image.Image:
    name = url.removeprefix("/media/")
    with storage.open(name) as handle:
        image = Image.open(io.BytesIO(handle.read()))
        image.load()
    return image


@pytest.fixture
def source(media_storage, image_file):
    """A 400x300 JPEG in the storage."""
    return stored(media_storage, "photos/dog.jpg", image_file("dog.jpg", size=(400, 300)))


# --- the markup ------------------------------------------------------------------


def test_a_picture_offers_each_format_as_a_source_then_the_fallback_img(source):
    html = render(
        "{% picture '400x300' src widths='100 200' formats='avif webp' "
        "sizes='(min-width: 60em) 50vw, 100vw' %}",
        {"src": source},
    )

    tags = parse(html)
    assert [tag for tag, _ in tags] == ["picture", "source", "source", "img"]
    (_, avif), (_, webp), (_, img) = tags[1:]
    assert (avif["type"], webp["type"]) == ("image/avif", "image/webp")
    for attrs in (avif, webp, img):
        assert srcset_widths(attrs["srcset"]) == [100, 200]
        assert attrs["sizes"] == "(min-width: 60em) 50vw, 100vw"
    assert all(u.endswith(".avif") for u in srcset_urls(avif["srcset"]))
    assert all(u.endswith(".webp") for u in srcset_urls(webp["srcset"]))
    assert img["src"] == srcset_urls(img["srcset"])[-1]
    assert img["src"].endswith(".jpg")
    assert (img["width"], img["height"]) == ("200", "150")
    assert (img["loading"], img["decoding"]) == ("lazy", "async")
    assert html.endswith("</picture>")


def test_every_variant_is_an_image_of_its_width_and_format(source, media_storage):
    tags = parse(render("{% picture '400x300' src widths='100 200' %}", {"src": source}))

    for _, attrs in tags[1:]:
        for url, width in zip(
            srcset_urls(attrs["srcset"]), srcset_widths(attrs["srcset"]), strict=True
        ):
            image = stored_image(media_storage, url)
            assert image.size == (width, width * 3 // 4)
            assert (
                image.format
                == {"avif": "AVIF", "webp": "WEBP", "jpg": "JPEG"}[url.rsplit(".", 1)[1]]
            )


def test_attributes_after_the_dashes_override_the_defaults_and_are_escaped(source):
    html = render(
        "{% picture '400x300' src widths='100' formats='' -- alt=alt loading='eager' "
        "class='hero' data-x='1' %}",
        {"src": source, "alt": '"><script>'},
    )

    img = parse(html)[-1][1]
    assert img["alt"] == '"><script>'
    assert "<script>" not in html
    assert img["loading"] == "eager"
    assert (img["class"], img["data-x"]) == ("hero", "1")


def test_sizes_defaults_to_the_full_viewport_width(source):
    img = parse(render("{% picture '400x300' src widths='100' %}", {"src": source}))[-1][1]

    assert img["sizes"] == "100vw"


def test_widths_the_source_cannot_give_are_dropped_and_duplicates_collapse(source):
    tags = parse(render("{% picture '400x' src widths='200 200 800 100' %}", {"src": source}))

    assert [srcset_widths(attrs["srcset"]) for _, attrs in tags[1:]] == [[100, 200]] * 3


def test_upscale_keeps_widths_wider_than_the_source(source, media_storage):
    tags = parse(render("{% picture '400x' src widths='200 800' upscale=True %}", {"src": source}))

    img = tags[-1][1]
    assert srcset_widths(img["srcset"]) == [200, 800]
    assert stored_image(media_storage, img["src"]).size == (800, 600)


def test_the_geometry_crops_every_width_to_its_box(source, media_storage):
    img = parse(render("{% picture '100x100' src widths='50 90' formats='' %}", {"src": source}))[
        -1
    ][1]

    assert [stored_image(media_storage, u).size for u in srcset_urls(img["srcset"])] == [
        (50, 50),
        (90, 90),
    ]


@pytest.mark.parametrize(
    ("name", "fmt", "mode", "fallback"),
    [
        ("a.png", "PNG", "RGBA", "PNG"),
        ("a.gif", "GIF", "P", "GIF"),
        ("a.webp", "WEBP", "RGB", "JPEG"),
        ("a.tiff", "TIFF", "RGB", "JPEG"),
    ],
)
def test_the_fallback_keeps_jpeg_png_and_gif_sources_formats_else_jpeg(
    name, fmt, mode, fallback, media_storage, image_file
):
    src = stored(media_storage, name, image_file(name, fmt=fmt, mode=mode, size=(120, 90)))
    pic = build_picture("120x", src, widths=[60], formats=["webp"])

    image = stored_image(media_storage, pic.img.url)
    assert (pic.img.format, image.format) == (fallback, fallback)


def test_a_png_fallback_and_its_modern_variants_keep_the_alpha_channel(media_storage, image_file):
    src = stored(
        media_storage, "a.png", image_file("a.png", mode="RGBA", size=(120, 90), color=(0, 0, 0, 0))
    )
    pic = build_picture("120x", src, widths=[60], formats="avif webp")

    for url in [pic.img.url] + [srcset_urls(s.srcset)[0] for s in pic.sources]:
        image = stored_image(media_storage, url)
        assert image.convert("RGBA").getpixel((0, 0))[3] == 0, url


def test_as_puts_the_picture_in_the_context(source):
    html = render(
        "{% picture '400x300' src widths='100 200' formats='webp' placeholder='color' as pic %}"
        "{{ pic.img.url }}|{{ pic.img.width }}x{{ pic.img.height }}|{{ pic.img.format }}|"
        "{{ pic.img.srcset }}|{% for s in pic.sources %}{{ s.type }} {{ s.sizes }} "
        "{{ s.files|length }}{% endfor %}|{{ pic.placeholder }}",
        {"src": source},
    )

    url, size, fmt, srcset, sources, placeholder = html.split("|")
    assert url.endswith(".jpg") and size == "200x150" and fmt == "JPEG"
    assert srcset_widths(srcset) == [100, 200]
    assert sources == "image/webp 100vw 2"
    assert placeholder == "#c86432"


def test_a_generator_id_with_source_is_reused_with_a_final_resize(source, media_storage):
    tags = parse(
        render(
            "{% picture 'tests:counted' source=src widths='10 16 40' formats='webp' %}",
            {"src": source},
        )
    )

    # tests:counted fits the source in 20x20 (20x15): 40 is more than it gives.
    img = tags[-1][1]
    assert srcset_widths(img["srcset"]) == [10, 16]
    assert [stored_image(media_storage, u).size for u in srcset_urls(img["srcset"])] == [
        (10, 8),
        (16, 12),
    ]


@pytest.mark.django_db
def test_a_spec_fields_file_is_reused_with_a_final_resize_per_width(media_storage, image_file):
    photo = Photo.objects.create(original_image=image_file("p.jpg", size=(200, 100)))

    html = render("{% picture p.thumbnail widths='25 50 80' formats='webp' %}", {"p": photo})

    img = parse(html)[-1][1]
    # ResizeToFill(50, 50) gives 50 pixels at most: 80 is dropped.
    assert srcset_widths(img["srcset"]) == [25, 50]
    assert stored_image(media_storage, img["src"]).size == (50, 50)


def test_the_tag_renders_exactly_what_render_picture_gives(source):
    html = render(
        "{% picture '400x300' src widths='100 200' placeholder='blur' -- alt='x' %}",
        {"src": source},
    )

    pic = build_picture("400x300", source, widths="100 200", placeholder="blur")
    assert html == render_picture(pic, {"alt": "x"})


# --- bad arguments -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argument", "named"),
    [
        ("widths='0'", "widths="),
        ("widths='320 abc'", "widths="),
        ("formats='jpeg'", "formats="),
        ("sizes='50'", "sizes="),
        ("placeholder='blurry'", "placeholder="),
        ("anchor='middle'", "anchor="),
        ("colour='red'", "colour="),
    ],
)
def test_a_bad_literal_argument_fails_when_the_template_compiles_naming_it(argument, named):
    with pytest.raises(TemplateSyntaxError, match=named):
        Template("{% load imagekit %}{% picture '400x300' src " + argument + " %}")


@pytest.mark.parametrize(
    ("argument", "value", "named"),
    [
        ("widths", "320 abc", "widths: 'abc'"),
        ("formats", "gif", "formats: 'gif'"),
        ("sizes", "", "sizes"),
        ("placeholder", "shadow", "placeholder: 'shadow'"),
    ],
)
def test_a_bad_value_from_a_variable_is_a_value_error_naming_the_argument(
    argument, value, named, source
):
    with pytest.raises(ValueError, match=named):
        render("{% picture '400x300' src " + argument + "=v %}", {"src": source, "v": value})


def test_widths_are_whole_positive_pixels():
    assert parse_widths("640, 320 320") == [320, 640]
    with pytest.raises(ValueError, match=r"1\.5"):
        parse_widths([1.5])


# --- one decode, exactly once, atomically ------------------------------------------------


def test_all_missing_variants_are_made_from_one_run_of_the_spec(source):
    runs_before = counted_runs.runs

    build_picture("tests:counted", source, widths=[5, 10, 15], formats=["avif", "webp"])

    assert counted_runs.runs - runs_before == 1


def test_variants_are_made_once_however_many_threads_ask_at_once(source, media_storage):
    runs_before = counted_runs.runs
    results, errors = [], []

    def ask():
        try:
            pic = build_picture("tests:counted", source, widths=[10, 20], formats=["webp"])
            results.append(pic.img.srcset)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=ask) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert not errors
    assert len(results) == 4 and len(set(results)) == 1
    assert counted_runs.runs - runs_before == 1
    for url in srcset_urls(results[0]):
        assert media_storage.exists(url.removeprefix("/media/"))


def test_a_source_that_is_not_an_image_leaves_no_file_and_no_state(media_storage):
    from django.core.files.base import ContentFile

    source = stored(media_storage, "broken.jpg", ContentFile(b"not an image"))
    plan_files = []

    with pytest.raises(SourceImageError, match=r"broken\.jpg"):
        pic = build_picture("100x", source, widths=[50], formats=["webp"])
        plan_files.append(pic)

    cache_dir = media_storage.path("CACHE")
    import os

    leftovers = [f for _root, _dirs, files in os.walk(cache_dir) for f in files]
    assert leftovers == []
    from imagekit.pictures import plan_picture

    plan = plan_picture("100x", source, widths=[50], formats=["webp"])
    for file in plan.all_variants():
        assert plan.backend.get_state(file, check_if_unknown=False) is None


def test_variant_names_come_from_the_spec_namer_and_do_not_change(source):
    first = build_picture("400x300", source, widths=[100], formats=["webp"])
    again = build_picture("400x300", source, widths=[100], formats=["webp"])

    name = first.sources[0].files[0].name
    assert name == again.sources[0].files[0].name
    assert name.startswith("CACHE/images/photos/dog/") and name.endswith(".webp")


def test_variants_leave_the_thumbnail_of_the_same_geometry_as_it_was(source):
    before = ImageCacheFile(
        __import__("imagekit").registry.generator_registry.get(
            "imagekit:thumbnail", width=400, height=300, source=source
        )
    ).name

    pic = build_picture("400x300", source, widths=[400], formats=["webp"])

    assert before not in [f.name for f in pic.all_files]
    assert before.startswith("CACHE/images/photos/dog/")


# --- placeholders ---------------------------------------------------------------------------


def test_a_blur_placeholder_is_a_small_data_uri_behind_the_img(source):
    img = parse(
        render("{% picture '400x300' src widths='100' placeholder='blur' %}", {"src": source})
    )[-1][1]

    style = img["style"]
    assert 'background-image:url("data:image/svg+xml,' in style
    uri = style.split('url("', 1)[1].rsplit('")', 1)[0]
    assert len(uri) <= 1024


def test_a_colour_placeholder_is_the_dominant_colour(media_storage, image_file):
    src = stored(media_storage, "red.jpg", image_file("red.jpg", size=(200, 100), color="#ff0000"))
    img = parse(
        render(
            "{% picture '200x' src widths='100' placeholder='color' -- style='border:0' %}",
            {"src": src},
        )
    )[-1][1]

    colour, user = img["style"].split(";")
    assert colour.startswith("background-color:#f")  # JPEG: very nearly #ff0000
    assert user == "border:0"


def test_the_placeholder_is_kept_with_the_state_not_recomputed(source, media_storage):
    build_picture("400x300", source, widths=[100], placeholder="blur")
    counted_before = sorted(f for f in (media_storage.listdir("CACHE/images/photos/dog")[1]))

    pic = build_picture("400x300", source, widths=[100], placeholder="blur")

    assert pic.placeholder is not None and pic.placeholder.kind == "blur"
    assert sorted(media_storage.listdir("CACHE/images/photos/dog")[1]) == counted_before


# --- task queues ------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)  # tasks are sent when the transaction commits
def test_a_task_queue_gets_one_task_per_picture_and_sources_wait_for_it(recording_queue, source):
    html = render(
        "{% picture '400x300' src widths='100 200' formats='avif webp' %}", {"src": source}
    )

    assert [tag for tag, _ in parse(html)] == ["picture", "img"]
    assert len(recording_queue.sent) == 1
    payload = json.loads(recording_queue.sent[0])
    assert len(payload["picture"]["variants"]) == 6

    render("{% picture '400x300' src widths='100 200' formats='avif webp' %}", {"src": source})
    assert len(recording_queue.sent) == 1  # still waiting: not queued again

    assert generate_from_payload(payload) is True  # what the worker runs

    html = render(
        "{% picture '400x300' src widths='100 200' formats='avif webp' %}", {"src": source}
    )
    assert [tag for tag, _ in parse(html)] == ["picture", "source", "source", "img"]
    assert parse(html)[-1][1]["width"] == "200"


@pytest.mark.django_db(transaction=True)
def test_a_picture_a_worker_could_not_make_is_not_queued_again(
    recording_queue, media_storage, caplog
):
    from django.core.files.base import ContentFile

    bad = stored(media_storage, "photos/broken.jpg", ContentFile(b"not a jpeg"))
    tag = "{% picture '400x300' src widths='100 200' %}"
    render(tag, {"src": bad})
    (sent,) = recording_queue.sent

    with caplog.at_level("WARNING", logger="imagekit"):
        assert generate_from_payload(json.loads(sent)) is False  # ended, not failed
    assert "could not be read as an image" in caplog.text

    assert render(tag, {"src": bad}) == ""  # the template policy in production
    with pytest.raises(SourceImageError):
        build_picture("400x300", bad, widths=[100, 200])
    assert len(recording_queue.sent) == 1  # nothing queued again

    media_storage.delete("photos/broken.jpg")  # replaced by a real image
    fixed = stored(media_storage, "photos/broken.jpg", _jpeg(400, 300))
    render(tag, {"src": fixed})
    assert len(recording_queue.sent) == 2


def _jpeg(width, height):
    from django.core.files.base import ContentFile

    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "red").save(buffer, "JPEG")
    return ContentFile(buffer.getvalue())


# --- variants declared on spec fields ---------------------------------------------------------


def _declared_files(photo):
    from imagekit.pictures import plan_picture

    return plan_picture(photo.hero).all_variants()


@pytest.mark.django_db
def test_optimistic_makes_the_declared_variants_when_the_source_is_saved(media_storage, image_file):
    photo = PictureSpecPhoto.objects.create(image=image_file("d.jpg", size=(320, 240)))

    files = _declared_files(photo)
    assert len(files) == 4
    assert all(media_storage.exists(f.name) for f in files)
    html = render("{% picture p.hero %}", {"p": photo})
    img = parse(html)[-1][1]
    assert srcset_widths(img["srcset"]) == [80, 160]
    assert "background-image" in img["style"]


@pytest.mark.django_db
def test_generateimages_makes_the_declared_variants(media_storage, image_file):
    photo = PictureSpecPhoto.objects.create(image=image_file("d.jpg", size=(320, 240)))
    for file in _declared_files(photo):
        media_storage.delete(file.name)
    from django.core.cache import caches

    caches["default"].clear()

    call_command("generateimages", "tests:picturespecphoto:hero", verbosity=0)

    assert all(media_storage.exists(f.name) for f in _declared_files(photo))


def test_a_spec_given_by_id_declares_its_variants_on_the_class():
    with pytest.raises(TypeError, match="picture_widths"):
        ImageSpecField(spec_id="tests:counted", widths=[100])


def test_states_of_made_variants_say_they_exist(source):
    pic = build_picture("400x300", source, widths=[100], formats=["webp"])

    for file in pic.all_files:
        assert file.cachefile_backend.get_state(file) == CacheFileState.EXISTS


def test_a_picture_whose_widths_all_exceed_the_source_offers_what_the_source_gives(source):
    pic = build_picture("400x", source, widths=[800, 1600], formats=["webp"])

    assert pic.img.widths == [400]
    assert (pic.img.width, pic.img.height) == (400, 300)


def test_after_the_cache_is_cleared_a_picture_is_rebuilt_from_its_files_not_its_source(source):
    from django.core.cache import caches

    build_picture("tests:counted", source, widths=[10, 16], formats=["webp"], placeholder="blur")
    runs_before = counted_runs.runs
    caches["default"].clear()  # files still in storage; states, sizes and placeholder gone

    pic = build_picture(
        "tests:counted", source, widths=[10, 16], formats=["webp"], placeholder="blur"
    )

    assert counted_runs.runs == runs_before
    assert pic.placeholder is not None and pic.placeholder.kind == "blur"
    assert (pic.img.width, pic.img.height) == (16, 12)


@pytest.mark.django_db(transaction=True)
def test_with_a_task_queue_saving_the_source_queues_the_declared_variants_as_one_task(
    recording_queue, media_storage, image_file
):
    photo = PictureSpecPhoto.objects.create(image=image_file("d.jpg", size=(320, 240)))

    pictures = [json.loads(sent) for sent in recording_queue.sent if "picture" in json.loads(sent)]
    assert len(pictures) == 1
    assert len(pictures[0]["picture"]["variants"]) == 4
    assert not any(media_storage.exists(f.name) for f in _declared_files(photo))


def test_quality_overrides_the_encoder_default_and_names_other_files(source, media_storage):
    default = build_picture("400x300", source, widths=[200], formats=["webp"])
    low = build_picture("400x300", source, widths=[200], formats=["webp"], quality=10)

    default_file, low_file = default.sources[0].files[0], low.sources[0].files[0]
    assert default_file.name != low_file.name
    assert media_storage.size(low_file.name) < media_storage.size(default_file.name)
    assert default.img.url == low.img.url  # the JPEG fallback keeps its own options


def test_the_picture_options_setting_overrides_the_encoder_defaults(settings, source):
    before = build_picture("400x300", source, widths=[200], formats=["avif"])
    settings.IMAGEKIT_PICTURE_OPTIONS = {"AVIF": {"quality": 40}}

    after = build_picture("400x300", source, widths=[200], formats=["avif"])

    assert after.sources[0].files[0].generator.options == {"quality": 40, "speed": 9}
    assert after.sources[0].files[0].name != before.sources[0].files[0].name
