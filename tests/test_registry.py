"""The registries: generators by id, cache files and source groups linked to them.

Every test that registers something undoes it through a fixture, so the
process-wide registries look the same before and after each test.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from django.core.files.base import ContentFile

from imagekit import ImageSpec
from imagekit.cachefiles import ImageCacheFile
from imagekit.exceptions import AlreadyRegistered, NotRegistered
from imagekit.processors import ResizeToFill
from imagekit.registry import (
    cachefile_registry,
    generator_registry,
    register,
    source_group_registry,
    unregister,
)
from imagekit.signals import content_required, existence_required, source_saved
from imagekit.specs.sourcegroups import SourceGroupFilesGenerator

REPO_ROOT = Path(__file__).resolve().parents[1]


class TinySpec(ImageSpec):
    processors = [ResizeToFill(8, 6)]
    format = "PNG"


class OtherSpec(ImageSpec):
    format = "JPEG"


class FilesGroup:
    """A custom source group: any object with a ``files()`` method."""

    def __init__(self, *files):
        self._files = files

    def files(self):
        yield from self._files


# --- register / get / unregister ------------------------------------------------


def test_registered_generator_is_returned_by_get(registrations):
    register.generator("tests:registry:tiny", TinySpec)

    spec = generator_registry.get("tests:registry:tiny", source=None)

    assert type(spec) is TinySpec


def test_get_ids_lists_a_registered_id(registrations):
    register.generator("tests:registry:listed", TinySpec)

    assert "tests:registry:listed" in generator_registry.get_ids()


def test_get_ids_keeps_registration_order(registrations):
    for suffix in ("b", "a", "c"):
        register.generator(f"tests:registry:order-{suffix}", TinySpec)

    ids = [i for i in generator_registry.get_ids() if i.startswith("tests:registry:order-")]

    assert ids == ["tests:registry:order-b", "tests:registry:order-a", "tests:registry:order-c"]


def test_register_generator_without_a_generator_returns_a_class_decorator(registrations):
    decorator = register.generator("tests:registry:decorated")

    @decorator
    class DecoratedSpec(ImageSpec):
        format = "PNG"

    assert type(generator_registry.get("tests:registry:decorated", source=None)) is DecoratedSpec


def test_register_generator_decorator_returns_the_class_unchanged(registrations):

    decorated = register.generator("tests:registry:decorated-identity")(TinySpec)

    assert decorated is TinySpec


def test_registering_the_same_generator_again_is_a_no_op(registrations):
    register.generator("tests:registry:twice", TinySpec)

    register.generator("tests:registry:twice", TinySpec)

    assert type(generator_registry.get("tests:registry:twice", source=None)) is TinySpec


def test_registering_a_different_generator_under_a_taken_id_raises(registrations):
    register.generator("tests:registry:taken", TinySpec)

    with pytest.raises(AlreadyRegistered, match="tests:registry:taken"):
        register.generator("tests:registry:taken", OtherSpec)


def test_a_rejected_registration_keeps_the_first_generator(registrations):
    register.generator("tests:registry:kept", TinySpec)

    with pytest.raises(AlreadyRegistered):
        register.generator("tests:registry:kept", OtherSpec)

    assert type(generator_registry.get("tests:registry:kept", source=None)) is TinySpec


def test_unregistered_generator_is_gone(registrations):
    register.generator("tests:registry:gone", TinySpec)

    unregister.generator("tests:registry:gone")

    assert "tests:registry:gone" not in generator_registry.get_ids()


def test_an_unregistered_id_can_be_registered_with_another_generator(registrations):
    register.generator("tests:registry:reuse", TinySpec)
    unregister.generator("tests:registry:reuse")

    register.generator("tests:registry:reuse", OtherSpec)

    assert type(generator_registry.get("tests:registry:reuse", source=None)) is OtherSpec


def test_get_of_an_unknown_id_raises_not_registered_naming_the_id():
    with pytest.raises(NotRegistered, match="tests:registry:nowhere"):
        generator_registry.get("tests:registry:nowhere")


def test_not_registered_message_starts_with_imagekits_wording():
    with pytest.raises(NotRegistered) as excinfo:
        generator_registry.get("tests:registry:nowhere")

    assert str(excinfo.value).startswith(
        "The generator with id tests:registry:nowhere is not registered"
    )


def test_unregistering_an_unknown_id_raises_not_registered_naming_the_id():
    with pytest.raises(NotRegistered, match="tests:registry:never"):
        unregister.generator("tests:registry:never")


def test_get_calls_a_callable_generator_with_the_keyword_arguments(registrations):
    def factory(**kwargs):
        return ("made", kwargs)

    register.generator("tests:registry:factory", factory)

    result = generator_registry.get("tests:registry:factory", source="src", width=3)

    assert result == ("made", {"source": "src", "width": 3})


def test_get_returns_a_non_callable_generator_as_it_is(registrations):
    generator = object()
    register.generator("tests:registry:object", generator)

    assert generator_registry.get("tests:registry:object", source="ignored") is generator


def test_underlying_registry_methods_register_and_unregister(registrations):
    generator_registry.register("tests:registry:direct", TinySpec)
    assert "tests:registry:direct" in generator_registry.get_ids()

    generator_registry.unregister("tests:registry:direct")

    assert "tests:registry:direct" not in generator_registry.get_ids()


# --- autodiscovery --------------------------------------------------------------


def in_a_fresh_process(code: str) -> list[str]:
    """Run *code* after ``django.setup()`` in a new interpreter; return its printed lines.

    Autodiscovery happens once per process, so a new process is how it is seen
    again (as after a restart), without touching imagekit's own bookkeeping.
    """
    script = (
        "import os, sys\n"
        "os.environ['DJANGO_SETTINGS_MODULE'] = 'tests.testapp.settings'\n"
        "import django\n"
        "django.setup()\n"
        "from imagekit import unregister\n"
        "from imagekit.registry import generator_registry\n"
        "print('imported at setup:', 'tests.testapp.imagegenerators' in sys.modules)\n"
        + textwrap.dedent(code)
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "imported at setup: False"  # nothing discovered it yet
    return lines[1:]


def test_get_ids_imports_the_imagegenerators_module_of_installed_apps():
    lines = in_a_fresh_process(
        """
        ids = generator_registry.get_ids()
        print("tests:autodiscovered" in ids, "tests.testapp.imagegenerators" in sys.modules)
        """
    )

    assert lines == ["True True"]


def test_get_imports_the_imagegenerators_module_of_installed_apps():
    lines = in_a_fresh_process(
        """
        spec = generator_registry.get("tests:autodiscovered", source=None)
        print(type(spec).__name__)
        """
    )

    assert lines == ["AutodiscoveredSpec"]


def test_autodiscovery_happens_only_once():
    lines = in_a_fresh_process(
        """
        generator_registry.get_ids()
        unregister.generator("tests:autodiscovered")
        del sys.modules["tests.testapp.imagegenerators"]
        ids = generator_registry.get_ids()
        print("tests:autodiscovered" in ids, "tests.testapp.imagegenerators" in sys.modules)
        """
    )

    assert lines == ["False False"]


# --- cache files ------------------------------------------------------------------


def test_cachefile_registry_yields_the_files_of_a_registered_callable(registrations):
    def cachefiles():
        return ["first", "second"]

    registrations.cachefiles("tests:registry:files", cachefiles)

    assert list(cachefile_registry.get("tests:registry:files")) == ["first", "second"]


def test_cachefile_registry_chains_every_callable_of_an_id(registrations):
    def first():
        return ["a"]

    def second():
        return ["b", "c"]

    for cachefiles in (first, second):
        registrations.cachefiles("tests:registry:chained", cachefiles)

    assert sorted(cachefile_registry.get("tests:registry:chained")) == ["a", "b", "c"]


def test_cachefile_registry_yields_nothing_for_other_ids(registrations):
    def cachefiles():
        return ["mine"]

    registrations.cachefiles("tests:registry:mine", cachefiles)

    assert list(cachefile_registry.get("tests:registry:theirs")) == []


def test_unregistered_cachefiles_are_no_longer_yielded(registrations):
    def cachefiles():
        return ["gone"]

    registrations.cachefiles("tests:registry:unlisted", cachefiles)
    assert list(cachefile_registry.get("tests:registry:unlisted")) == ["gone"]  # listed first

    unregister.cachefiles("tests:registry:unlisted", cachefiles)

    assert list(cachefile_registry.get("tests:registry:unlisted")) == []


def test_unregistering_unknown_cachefiles_is_ignored():
    unregister.cachefiles("tests:registry:unknown", lambda: ["x"])

    assert list(cachefile_registry.get("tests:registry:unknown")) == []


# --- source groups ----------------------------------------------------------------


def test_registered_source_group_lists_a_lazy_cache_file_per_source(registrations):
    register.generator("tests:registry:group-spec", TinySpec)
    sources = [ContentFile(b"", name="photos/a.png"), ContentFile(b"", name="photos/b.png")]
    group = FilesGroup(*sources)

    registrations.source_group("tests:registry:group-spec", group)
    files = list(cachefile_registry.get("tests:registry:group-spec"))

    assert [file.generator.source for file in files] == sources
    assert all(type(file.generator) is TinySpec for file in files)


def test_registering_a_source_group_registers_a_source_group_files_generator(
    registrations,
):
    group = FilesGroup(ContentFile(b"", name="photos/a.png"))
    registrations.source_group("tests:registry:sgfg", group)

    # An equal SourceGroupFilesGenerator unregisters it, which proves that is
    # what register.source_group put in the cache file registry.
    unregister.cachefiles(
        "tests:registry:sgfg", SourceGroupFilesGenerator(group, "tests:registry:sgfg")
    )

    assert list(cachefile_registry.get("tests:registry:sgfg")) == []


def test_source_saved_from_a_registered_group_reaches_the_strategy(registrations):
    calls = []

    class RecordingSpec(ImageSpec):
        format = "PNG"
        cachefile_strategy = {"on_source_saved": calls.append}

    register.generator("tests:registry:recording", RecordingSpec)
    group = FilesGroup()
    registrations.source_group("tests:registry:recording", group)
    source = ContentFile(b"", name="photos/saved.png")

    source_saved.send(sender=group, source=source)

    assert len(calls) == 1
    assert isinstance(calls[0], ImageCacheFile)
    assert calls[0].generator.source is source


def test_source_saved_from_an_unregistered_group_is_ignored(registrations):
    calls = []

    class RecordingSpec(ImageSpec):
        format = "PNG"
        cachefile_strategy = {"on_source_saved": calls.append}

    register.generator("tests:registry:ignored", RecordingSpec)

    source_saved.send(sender=FilesGroup(), source=ContentFile(b"", name="photos/x.png"))

    assert calls == []


def test_unregistered_source_group_no_longer_lists_files(registrations):
    register.generator("tests:registry:unlinked", TinySpec)
    group = FilesGroup(ContentFile(b"", name="photos/a.png"))
    registrations.source_group("tests:registry:unlinked", group)
    assert len(list(cachefile_registry.get("tests:registry:unlinked"))) == 1  # listed first

    unregister.source_group("tests:registry:unlinked", group)

    assert list(cachefile_registry.get("tests:registry:unlinked")) == []


def test_unregistered_source_group_no_longer_relays_source_saved(registrations):
    calls = []

    class RecordingSpec(ImageSpec):
        format = "PNG"
        cachefile_strategy = {"on_source_saved": calls.append}

    register.generator("tests:registry:silenced", RecordingSpec)
    group = FilesGroup()
    registrations.source_group("tests:registry:silenced", group)
    source_saved.send(sender=group, source=ContentFile(b"", name="photos/x.png"))
    assert len(calls) == 1  # relayed while registered

    unregister.source_group("tests:registry:silenced", group)
    source_saved.send(sender=group, source=ContentFile(b"", name="photos/x.png"))

    assert len(calls) == 1


def test_unregistering_an_unknown_source_group_is_ignored():
    unregister.source_group("tests:registry:no-such-id", FilesGroup())

    assert list(cachefile_registry.get("tests:registry:no-such-id")) == []


def test_unregistering_an_unknown_id_of_a_registered_group_keeps_its_link(registrations):
    source = ContentFile(b"", name="photos/a.png")
    group = FilesGroup(source)
    registrations.source_group("tests:registry:linked", group)

    unregister.source_group("tests:registry:other-id", group)

    assert len(list(cachefile_registry.get("tests:registry:linked"))) == 1


def test_source_group_registry_register_links_the_group_like_the_facade(registrations):
    register.generator("tests:registry:underlying", TinySpec)
    source = ContentFile(b"", name="photos/u.png")
    group = FilesGroup(source)

    source_group_registry.register("tests:registry:underlying", group)
    registrations.undo_afterwards(unregister.source_group, "tests:registry:underlying", group)

    files = list(cachefile_registry.get("tests:registry:underlying"))
    assert [file.generator.source for file in files] == [source]


# --- the strategy relay quirk (SPEC §5) -----------------------------------------


def _png_source(make_image, name):
    return ContentFile(make_image("PNG", size=(20, 10)), name=name)


def test_unregistered_spec_class_gets_no_just_in_time_generation(media_storage, make_image):
    class UnregisteredSpec(ImageSpec):
        processors = [ResizeToFill(8, 6)]
        format = "PNG"

    file = ImageCacheFile(UnregisteredSpec(source=_png_source(make_image, "photos/u.png")))

    file.url  # noqa: B018 - reading the URL sends existence_required

    assert not media_storage.exists(file.name)


def test_unregistered_spec_class_file_is_still_truthy_with_a_sync_backend(
    media_storage, make_image
):
    class UnregisteredSpec(ImageSpec):
        processors = [ResizeToFill(8, 6)]
        format = "PNG"

    file = ImageCacheFile(UnregisteredSpec(source=_png_source(make_image, "photos/t.png")))

    assert bool(file) is True
    assert not media_storage.exists(file.name)


def test_registered_spec_class_is_generated_just_in_time(media_storage, make_image, registrations):
    class RegisteredSpec(ImageSpec):
        processors = [ResizeToFill(8, 6)]
        format = "PNG"

    register.generator("tests:registry:jit", RegisteredSpec)
    file = ImageCacheFile(RegisteredSpec(source=_png_source(make_image, "photos/r.png")))

    file.url  # noqa: B018 - reading the URL sends existence_required

    assert media_storage.exists(file.name)


def imagekits_signals():
    """Every signal imagekit connects a receiver to (imagekit/receivers.py)."""
    from django.core.signals import request_finished, request_started, setting_changed
    from django.db.models.signals import post_delete, post_init, post_save

    from imagekit.signals import source_changed, source_created, source_deleted

    return [
        setting_changed,
        request_started,
        request_finished,
        content_required,
        existence_required,
        source_saved,
        source_created,
        source_changed,
        source_deleted,
        post_init,
        post_save,
        post_delete,
    ]


def test_connecting_the_receivers_again_adds_no_receiver_to_any_signal():
    from imagekit.receivers import connect_receivers

    before = [len(signal.receivers) for signal in imagekits_signals()]

    connect_receivers()
    connect_receivers()

    assert [len(signal.receivers) for signal in imagekits_signals()] == before


def test_connecting_the_receivers_again_relays_each_signal_once(registrations):
    from imagekit.receivers import connect_receivers

    calls = []

    class Relayed(ImageSpec):
        processors = [ResizeToFill(4, 4)]
        cachefile_strategy = {
            "on_existence_required": lambda file: calls.append(("existence", file)),
            "on_content_required": lambda file: calls.append(("content", file)),
            "on_source_saved": lambda file: calls.append(("saved", file.generator.source)),
        }

    registrations.generator("tests:relayed-once", Relayed)
    source = ContentFile(b"", name="a.jpg")
    group = FilesGroup(source)
    registrations.source_group("tests:relayed-once", group)
    connect_receivers()
    connect_receivers()
    file = ImageCacheFile(Relayed(source=source))

    existence_required.send(sender=file, file=file)
    content_required.send(sender=file, file=file)
    source_saved.send(sender=group, source=source)

    assert calls == [("existence", file), ("content", file), ("saved", source)]
