"""The ``imagekit:thumbnail`` files of the tags, built from prototypes (imagekit.thumbnails).

The second and later files of one set of arguments copy the first one's spec
instead of building it: each must be the file the registry would have given,
attribute for attribute, and anything the prototype was built from that
changes must be seen at once.
"""

from __future__ import annotations

import uuid

import pytest
from django.template import Context, Template

from imagekit import thumbnails
from imagekit.cachefiles import ImageCacheFile
from imagekit.generatorlibrary import Thumbnail
from imagekit.registry import ORIGIN_ATTRIBUTE, generator_registry
from imagekit.templatetags.imagekit import thumbnail_file
from tests.testapp.models import Photo

ARGUMENT_SETS = [
    {"width": 100, "height": 50},
    {"width": 100, "height": None},
    {"width": 100, "height": 50, "crop": False},
    {"width": 100, "height": 50, "crop": 0},  # hashed apart from crop=False
    {"width": 100, "height": 50, "anchor": "tl", "upscale": True},
    {"width": 80, "height": 80, "format": "PNG"},
    {"width": 80, "height": 80, "format": "PNG", "crop": True, "anchor": "c"},
]


@pytest.fixture
def sources(db, media_storage, image_file):
    photos = [
        Photo.objects.create(original_image=image_file(f"p{i}.jpg", size=(120, 80)))
        for i in range(3)
    ]
    return [photo.original_image for photo in photos]


@pytest.fixture
def spec_inits(monkeypatch):
    """Count the Thumbnail specs built through their constructor."""
    made = []
    init = Thumbnail.__init__

    def counting(self, *args, **kwargs):
        made.append(kwargs)
        init(self, *args, **kwargs)

    monkeypatch.setattr(Thumbnail, "__init__", counting)
    return made


def ordinary(kwargs, source):
    """The file as the registry builds it, with nothing remembered."""
    return ImageCacheFile(generator_registry.get("imagekit:thumbnail", **kwargs, source=source))


def assert_same_file(made, expected):
    assert type(made) is ImageCacheFile
    assert made.name == expected.name
    assert made.storage is expected.storage
    assert made.cachefile_backend is expected.cachefile_backend
    assert made.cachefile_strategy is expected.cachefile_strategy
    spec, spec_expected = made.generator, expected.generator
    assert type(spec) is type(spec_expected)
    # Less the processor, built on first use (hashing builds it, naming may).
    lazy = {"_processors", "_built"}
    assert {k: v for k, v in vars(spec).items() if k not in lazy} == {
        k: v for k, v in vars(spec_expected).items() if k not in lazy
    }
    assert spec.get_hash() == spec_expected.get_hash()
    assert spec.processors[0].__dict__ == spec_expected.processors[0].__dict__


@pytest.mark.parametrize("kwargs", ARGUMENT_SETS, ids=repr)
def test_a_file_from_a_prototype_is_the_file_the_registry_builds(kwargs, sources, spec_inits):
    first = thumbnails.thumbnail_cachefile("imagekit:thumbnail", dict(kwargs), sources[0])
    built = len(spec_inits)
    made = [
        thumbnails.thumbnail_cachefile("imagekit:thumbnail", dict(kwargs), source)
        for source in sources
    ]

    assert len(spec_inits) == built  # copied, not built
    assert_same_file(first, ordinary(kwargs, sources[0]))
    for file, source in zip(made, sources, strict=True):
        assert_same_file(file, ordinary(kwargs, source))
        assert file.generator.source is source
        assert getattr(file.generator, ORIGIN_ATTRIBUTE) == (
            "imagekit:thumbnail",
            (),
            {**kwargs, "source": source},
        )
    assert len({id(file.generator) for file in made}) == len(made)


def test_changing_one_rows_spec_does_not_change_the_next_rows(sources, image_file):
    # A source name never named before in this process: naming it hashes the
    # spec, which builds its processor before the prototype is taken.
    fresh = Photo.objects.create(original_image=image_file(f"{uuid.uuid4().hex}.jpg"))
    kwargs = {"width": 100, "height": 50}
    first = thumbnails.thumbnail_cachefile("imagekit:thumbnail", dict(kwargs), fresh.original_image)
    assert "_processors" in vars(first.generator)
    first.generator.format = "PNG"
    first.generator.processors.append(object())

    second = thumbnails.thumbnail_cachefile("imagekit:thumbnail", dict(kwargs), sources[1])

    assert_same_file(second, ordinary(kwargs, sources[1]))


def test_the_tag_renders_what_it_rendered_before_the_prototypes(sources):
    template = Template(
        "{% load imagekit %}{% for s in sources %}{% thumbnail '100x50' s %}{% endfor %}"
    )
    first = template.render(Context({"sources": sources}))
    again = template.render(Context({"sources": sources}))

    expected = "".join(
        f'<img width="{f.width}" height="{f.height}" src="{f.url}" />'
        for f in (ordinary({"width": 100, "height": 50}, s) for s in sources)
    )
    assert first == again == expected


def test_a_changed_setting_is_seen_at_once(sources, settings):
    kwargs = {"width": 100, "height": 50}
    before = thumbnails.thumbnail_cachefile("imagekit:thumbnail", dict(kwargs), sources[0])
    thumbnails.thumbnail_cachefile("imagekit:thumbnail", dict(kwargs), sources[0])

    settings.IMAGEKIT_CACHEFILE_DIR = "OTHER-CACHE"
    after = thumbnails.thumbnail_cachefile("imagekit:thumbnail", dict(kwargs), sources[0])

    assert before.name.startswith("CACHE/")
    assert after.name.startswith("OTHER-CACHE/")
    assert_same_file(after, ordinary(kwargs, sources[0]))


ASKED: list[str] = []


def project_namer(generator):
    """A project's own namer (``IMAGEKIT_SPEC_CACHEFILE_NAMER``)."""
    ASKED.append(generator.source.name)
    return f"mine/{generator.source.name}"


def test_a_namer_of_the_projects_own_is_asked_for_every_file(sources, settings):
    ASKED.clear()
    settings.IMAGEKIT_SPEC_CACHEFILE_NAMER = f"{__name__}.project_namer"
    for _ in range(2):
        for source in sources:
            file = thumbnails.thumbnail_cachefile(
                "imagekit:thumbnail", {"width": 10, "height": 10}, source
            )
            assert file.name == f"mine/{source.name}"

    assert ASKED == [s.name for s in sources] * 2


def test_changed_class_attributes_of_thumbnail_are_seen_at_once(sources, monkeypatch):
    kwargs = {"width": 100, "height": 50}
    before = [thumbnails.thumbnail_cachefile("imagekit:thumbnail", dict(kwargs), sources[0])]
    before.append(thumbnails.thumbnail_cachefile("imagekit:thumbnail", dict(kwargs), sources[0]))

    monkeypatch.setattr(Thumbnail, "options", {"quality": 10})
    after = thumbnails.thumbnail_cachefile("imagekit:thumbnail", dict(kwargs), sources[0])

    assert after.name != before[0].name
    assert_same_file(after, ordinary(kwargs, sources[0]))


def test_a_generator_registered_in_its_place_is_used_at_once(sources, registrations):
    class Square(Thumbnail):
        pass

    kwargs = {"width": 100, "height": 50}
    thumbnails.thumbnail_cachefile("imagekit:thumbnail", dict(kwargs), sources[0])
    thumbnails.thumbnail_cachefile("imagekit:thumbnail", dict(kwargs), sources[0])

    registrations.generator(
        "imagekit:thumbnail", Square, replacing=generator_registry.registered("imagekit:thumbnail")
    )
    made = [thumbnail_file(None, dict(kwargs), source, {}) for source in (sources[0], sources[1])]

    assert [type(file.generator) for file in made] == [Square, Square]


def test_arguments_of_other_types_are_never_remembered(sources, spec_inits):
    kwargs = {"width": 100, "height": 50, "anchor": (0.5, 0.5)}  # a tuple: not remembered
    for source in sources:
        file = thumbnails.thumbnail_cachefile("imagekit:thumbnail", dict(kwargs), source)
        assert_same_file(file, ordinary(kwargs, source))
    assert len(spec_inits) == 2 * len(sources)  # each built, as each expected one


def test_what_is_remembered_is_bounded(sources, monkeypatch):
    monkeypatch.setattr(thumbnails, "MAX_PROTOTYPES", 5)
    monkeypatch.setattr(thumbnails, "MAX_NAMES", 7)
    for width in range(1, 30):
        for source in sources:
            thumbnails.thumbnail_cachefile(
                "imagekit:thumbnail", {"width": width, "height": None}, source
            )
            assert len(thumbnails._prototypes) <= 5
            assert len(thumbnails._names) <= 7


def test_arguments_equal_across_types_get_their_own_files(sources):
    files = {}
    for crop in (False, 0, False, 0):
        files[repr(crop)] = thumbnails.thumbnail_cachefile(
            "imagekit:thumbnail", {"width": 100, "height": 50, "crop": crop}, sources[0]
        )
        assert_same_file(
            files[repr(crop)], ordinary({"width": 100, "height": 50, "crop": crop}, sources[0])
        )
    assert files["False"].name != files["0"].name
