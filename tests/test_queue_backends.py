"""The task-queue backends without a broker: what they queue, and when.

``Recording`` is a task-queue backend whose queue is a list, so these tests
pin the shared behaviour (JSON payloads, one task per missing file, sending
on commit, the in-process fallback). The real queues and workers are in
``tests/scale/``.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import textwrap
import time
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.cache import caches
from django.core.exceptions import ImproperlyConfigured
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import transaction
from django.template import Context, Template

from imagekit import ImageSpec
from imagekit.cachefiles import ImageCacheFile
from imagekit.cachefiles.backends import CacheFileState, DjangoTasks, QueueBackend
from imagekit.cachefiles.payloads import payload_for
from imagekit.cachefiles.worker import generate_from_payload
from imagekit.exceptions import NotRegistered, OutputTooLarge, SourceImageError
from imagekit.processors import ResizeToFill
from imagekit.templatetags.imagekit import thumbnail_file
from tests.testapp.models import Photo

# Transactional: tasks are sent when the transaction commits.
pytestmark = pytest.mark.django_db(transaction=True)


class Recording(QueueBackend):
    """A task-queue backend whose queue is a list of JSON strings."""

    def __init__(self):
        super().__init__()
        self.sent = []

    def enqueue(self, payload):
        self.sent.append(json.dumps(payload))


class Broken(QueueBackend):
    """A task-queue backend whose broker is down."""

    def enqueue(self, payload):
        raise ConnectionError("broker down")


@pytest.fixture
def backend(settings):
    settings.IMAGEKIT_DEFAULT_CACHEFILE_BACKEND = "tests.test_queue_backends.Recording"
    from imagekit.cachefiles.backends import get_default_cachefile_backend

    backend = get_default_cachefile_backend()
    backend.sent.clear()
    return backend


@pytest.fixture
def photo(backend, media_storage, image_file):
    return Photo.objects.create(original_image=image_file("dog.jpg", size=(80, 60)))


def test_a_missing_file_is_sent_as_json_and_not_generated_here(backend, photo):
    file = photo.thumbnail

    file.generate()

    assert [json.loads(sent)["name"] for sent in backend.sent] == [file.name]
    assert not file.storage.exists(file.name)


def test_a_file_is_queued_once_however_often_it_is_asked_for(backend, photo):
    for _ in range(3):
        Photo.objects.get().thumbnail.generate()

    assert len(backend.sent) == 1


def test_forcing_queues_a_file_again(backend, photo):
    photo.thumbnail.generate()

    photo.thumbnail.generate(force=True)

    assert [json.loads(sent)["force"] for sent in backend.sent] == [False, True]


def test_a_file_is_false_while_it_is_queued(backend, photo):
    assert bool(photo.thumbnail) is False
    assert len(backend.sent) == 1


def test_a_queued_file_is_reported_as_generating(backend, photo):
    file = photo.thumbnail
    assert backend.get_state(file) == CacheFileState.DOES_NOT_EXIST

    file.generate()

    assert backend.get_state(file) == CacheFileState.GENERATING


def test_a_worker_generates_a_queued_file_instead_of_waiting_for_itself(backend, photo):
    file = photo.thumbnail
    file.generate()  # queued, reported as generating

    backend.generate_now(Photo.objects.get().thumbnail)  # what the worker does

    assert file.storage.exists(file.name)
    assert backend.get_state(file) == CacheFileState.EXISTS


def test_inside_a_transaction_the_task_is_sent_on_commit(backend, photo):
    with transaction.atomic():
        photo.thumbnail.generate()
        sent_inside = list(backend.sent)

    assert sent_inside == []
    assert len(backend.sent) == 1


def test_a_rolled_back_transaction_sends_nothing(backend, photo):
    with pytest.raises(RuntimeError), transaction.atomic():
        photo.thumbnail.generate()
        raise RuntimeError("rolled back")

    assert backend.sent == []


def test_a_failed_send_propagates_and_lets_the_next_request_queue_again(
    settings, media_storage, image_file
):
    settings.IMAGEKIT_DEFAULT_CACHEFILE_BACKEND = "tests.test_queue_backends.Broken"
    photo = Photo.objects.create(original_image=image_file("dog.jpg"))

    with pytest.raises(ConnectionError):
        photo.thumbnail.generate()
    settings.IMAGEKIT_DEFAULT_CACHEFILE_BACKEND = "tests.test_queue_backends.Recording"
    from imagekit.cachefiles.backends import get_default_cachefile_backend

    recording = get_default_cachefile_backend()
    recording.sent.clear()
    Photo.objects.get().thumbnail.generate()

    assert len(recording.sent) == 1


class DownCache:
    """A cache whose server is unreachable."""

    def __getattr__(self, name):
        def fail(*args, **kwargs):
            raise ConnectionError("cache down")

        return fail


def test_with_the_state_cache_down_a_file_is_still_queued(backend, photo):
    backend.cache = DownCache()
    try:
        photo.thumbnail.generate()
    finally:
        backend.cache = None  # looked up again on next use

    assert len(backend.sent) == 1


def test_a_file_no_payload_can_describe_is_generated_here_with_a_warning(backend, photo, caplog):
    class Unregistered(ImageSpec):
        processors = [ResizeToFill(5, 5)]
        format = "PNG"

    file = ImageCacheFile(Unregistered(source=photo.original_image), cachefile_backend=backend)

    with caplog.at_level(logging.WARNING, logger="imagekit"):
        queued = backend.schedule_generation(file)

    assert queued is False
    assert backend.sent == []
    assert file.storage.exists(file.name)
    assert "generated in this process instead" in caplog.text
    assert "registry" in caplog.text


@pytest.mark.parametrize("name", ["Celery", "RQ", "Dramatiq", "DjangoTasks", "Async"])
def test_every_task_queue_backend_is_an_asynchronous_imagekit_backend(name):
    from imagekit.cachefiles import backends

    backend_class = getattr(backends, name)

    assert issubclass(backend_class, backends.BaseAsync)
    assert backend_class.is_async is True


def test_django_tasks_backend_without_django_tasks_is_improperly_configured(monkeypatch):
    monkeypatch.setitem(sys.modules, "django.tasks", None)
    monkeypatch.setitem(sys.modules, "django_tasks", None)

    with pytest.raises(ImproperlyConfigured, match="django_tasks") as excinfo:
        DjangoTasks()

    assert isinstance(excinfo.value.__cause__, ImportError)


QUEUE_LIBRARIES = [
    "celery",
    "kombu",
    "rq",
    "django_rq",
    "dramatiq",
    "django_dramatiq",
    "django.tasks",
    "django_tasks",
    "django_tasks_db",
    "redis",
]


def test_imagekit_imports_without_any_queue_library():
    # A fresh interpreter in which every queue library fails to import.
    script = textwrap.dedent(
        f"""
        import sys

        class Block:
            def find_spec(self, name, path=None, target=None):
                if name in {QUEUE_LIBRARIES!r} or name.split(".")[0] in {QUEUE_LIBRARIES!r}:
                    raise ImportError("blocked: " + name)
                return None

        sys.meta_path.insert(0, Block())
        import django
        from django.core.exceptions import ImproperlyConfigured
        django.setup()
        import imagekit, imagekit.tasks, imagekit.cachefiles.backends as backends
        import imagekit.management.commands.generateimages
        assert imagekit.tasks.celery_generate_cachefile is None
        for name in ("Celery", "RQ", "Dramatiq", "DjangoTasks"):
            try:
                getattr(backends, name)()
            except ImproperlyConfigured as exc:
                print(name, "ImproperlyConfigured:", exc)
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env={"DJANGO_SETTINGS_MODULE": "tests.testapp.settings", "PATH": "/usr/bin:/bin"},
        cwd=str(__import__("pathlib").Path(__file__).resolve().parents[1]),
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.count("ImproperlyConfigured:") == 4, result.stdout


# -- generateimages --enqueue -------------------------------------------------


def test_generateimages_enqueue_queues_every_missing_file(backend, media_storage, image_file):
    for name in ("a.jpg", "b.jpg"):
        Photo.objects.create(original_image=image_file(name))
    out = StringIO()

    call_command("generateimages", "tests:photo:thumbnail", "--enqueue", stdout=out)

    assert "2 queued, 0 generated, 0 already existed, 0 failed" in out.getvalue()
    assert len(backend.sent) == 2


def test_generateimages_enqueue_skips_files_that_exist(backend, photo):
    file = photo.thumbnail
    file.cachefile_backend.generate_now(file)
    out = StringIO()

    call_command("generateimages", "tests:photo:thumbnail", "--enqueue", stdout=out)

    assert "0 queued, 0 generated, 1 already existed, 0 failed" in out.getvalue()
    assert backend.sent == []


def test_generateimages_enqueue_fails_files_whose_backend_is_synchronous(media_storage, image_file):
    Photo.objects.create(original_image=image_file("a.jpg"))
    out, err = StringIO(), StringIO()

    with pytest.raises(CommandError, match="1 cache file"):
        call_command("generateimages", "tests:photo:thumbnail", "--enqueue", stdout=out, stderr=err)

    assert "not asynchronous" in err.getvalue()


def test_generateimages_enqueue_and_jobs_cannot_be_combined():
    with pytest.raises(CommandError, match="--enqueue"):
        call_command("generateimages", "--enqueue", "--jobs", "2")


def test_generating_from_a_payload_removes_the_queued_mark(backend, photo):
    file = photo.thumbnail
    backend.mark_queued(file.name)

    generate_from_payload(payload_for(file))

    assert backend.mark_queued(file.name) is True  # it was gone


def test_a_failed_generation_removes_the_queued_mark_too(backend, photo):
    payload = {**payload_for(photo.thumbnail), "generator": "tests:nothing:here"}
    backend.mark_queued(payload["name"])

    with pytest.raises(NotRegistered):
        generate_from_payload(payload)

    assert backend.mark_queued(payload["name"]) is True


def test_a_file_can_be_marked_queued_only_once(backend):

    assert (backend.mark_queued("a.jpg"), backend.mark_queued("a.jpg")) == (True, False)


def test_forgetting_the_queued_mark_allows_queueing_again(backend):
    backend.mark_queued("a.jpg")

    backend.forget_queued("a.jpg")

    assert backend.mark_queued("a.jpg") is True


def test_the_queued_mark_expires_after_the_queued_timeout(backend, settings):
    settings.IMAGEKIT_QUEUED_TIMEOUT = 0.05
    backend.mark_queued("a.jpg")

    time.sleep(0.1)

    assert backend.mark_queued("a.jpg") is True


def test_an_rq_serializer_that_does_not_import_is_named_in_the_error(settings):
    from imagekit.cachefiles.backends import RQ

    settings.IMAGEKIT_RQ_SERIALIZER = "tests.no_such_module.Serializer"

    with pytest.raises(ImproperlyConfigured, match=r"IMAGEKIT_RQ_SERIALIZER = 'tests\.no_such"):
        RQ().enqueue({"name": "CACHE/images/a.jpg"})


# --- a worker's refusal: sources that cannot be made into the file ------------------


def run_worker(backend):
    """Run every task sent so far, as a worker does; return what each returned."""
    done = [generate_from_payload(json.loads(sent)) for sent in backend.sent]
    backend.sent.clear()
    return done


@pytest.fixture
def unreadable(backend, media_storage):
    """A photo whose upload is not an image (a model's ImageField does not check on save)."""
    return Photo.objects.create(original_image=SimpleUploadedFile("broken.jpg", b"not a jpeg"))


def test_a_source_the_worker_cannot_read_is_refused_to_the_next_pages(backend, unreadable, caplog):
    unreadable.thumbnail.generate()
    with caplog.at_level(logging.WARNING, logger="imagekit"):
        assert run_worker(backend) == [False]  # ended, not failed: no retries
    assert "could not be read as an image" in caplog.text

    with pytest.raises(SourceImageError) as again:
        Photo.objects.get().thumbnail.generate()

    assert "broken" in str(again.value)
    assert "a worker could not make" in str(again.value)
    assert backend.sent == []  # nothing queued again


def test_a_refused_file_renders_as_a_missing_source_does(backend, unreadable, caplog):
    unreadable.thumbnail.generate()
    run_worker(backend)

    template = Template("[{{ p.thumbnail.url }}]")
    with caplog.at_level(logging.WARNING, logger="imagekit"):
        html = template.render(Context({"p": Photo.objects.get()}))

    assert html == "[]"
    assert "broken" in caplog.text
    assert backend.sent == []


def test_an_output_over_the_cap_is_refused_as_too_large(backend, photo, settings):
    settings.IMAGEKIT_MAX_OUTPUT_PIXELS = 100 * 100
    link = (
        "{% load imagekit %}{% thumbnail '400x400' p.original_image upscale=True as t %}{{ t.url }}"
    )
    tag = Template("{% load imagekit %}{% thumbnail '400x400' p.original_image upscale=True %}")
    context = Context({"p": photo})
    assert (
        Template(link).render(context).startswith("/media/CACHE/")
    )  # queued; the page links to it
    assert run_worker(backend) == [False]

    with pytest.raises(OutputTooLarge):
        thumbnail_file(
            None, {"width": 400, "height": 400}, photo.original_image, {"upscale": True}
        ).generate()
    assert tag.render(context) == ""  # the template policy in production: render nothing
    assert backend.sent == []


def test_a_replaced_source_is_queued_again_and_made(
    backend, settings, overwriting_storage, image_file
):
    photo = Photo.objects.create(original_image=SimpleUploadedFile("broken.jpg", b"not a jpeg"))
    photo.thumbnail.generate()
    run_worker(backend)
    # The same name, now a real image, written over the bad one.
    Path(overwriting_storage.path(photo.original_image.name)).write_bytes(
        image_file("broken.jpg", size=(80, 60)).read()
    )
    os.utime(overwriting_storage.path(photo.original_image.name), (1, 1))  # a new mtime for sure

    file = Photo.objects.get().thumbnail
    file.generate()
    assert run_worker(backend) == [True]

    assert file.storage.exists(file.name)


def test_a_forced_generation_is_queued_despite_a_refusal(backend, unreadable):
    unreadable.thumbnail.generate()
    run_worker(backend)

    Photo.objects.get().thumbnail.generate(force=True)

    assert len(backend.sent) == 1


def test_clearing_the_cache_forgets_refusals(backend, unreadable):
    unreadable.thumbnail.generate()
    run_worker(backend)

    caches[django_settings.IMAGEKIT_CACHE_BACKEND].clear()
    Photo.objects.get().thumbnail.generate()

    assert len(backend.sent) == 1


def test_a_refusal_expires_after_the_queued_timeout(backend, unreadable, settings):
    settings.IMAGEKIT_QUEUED_TIMEOUT = 0.2
    unreadable.thumbnail.generate()
    run_worker(backend)

    time.sleep(0.3)
    Photo.objects.get().thumbnail.generate()

    assert len(backend.sent) == 1


def test_a_file_forgotten_as_deleted_is_no_longer_refused(backend, unreadable):
    file = unreadable.thumbnail
    file.generate()
    run_worker(backend)

    backend.forget(file.name)  # what cleanupimages and deletions with the source call
    Photo.objects.get().thumbnail.generate()

    assert len(backend.sent) == 1


@pytest.mark.parametrize("attrs", ["", ' -- alt="dog"'])
def test_a_thumbnail_tag_renders_without_its_size_until_a_worker_made_the_file(
    backend, photo, attrs
):
    tag = Template("{% load imagekit %}{% thumbnail '40x30' p.original_image" + attrs + " %}")
    url = thumbnail_file(None, {"width": 40, "height": 30}, photo.original_image, {}).url
    alt = ' alt="dog"' if attrs else ""

    waiting = tag.render(Context({"p": photo}))  # django-imagekit: FileNotFoundError
    assert waiting == f'<img{alt} src="{url}" />'
    assert len(backend.sent) == 1
    assert run_worker(backend) == [True]

    made = tag.render(Context({"p": Photo.objects.get()}))
    assert made == f'<img{alt} width="40" height="30" src="{url}" />'


def test_a_tag_whose_refused_source_is_gone_renders_nothing(backend, photo):
    tag = Template("{% load imagekit %}{% thumbnail '40x30' p.original_image %}")
    tag.render(Context({"p": photo}))
    photo.original_image.storage.delete(photo.original_image.name)
    assert run_worker(backend) == [False]  # a missing source: refused

    assert tag.render(Context({"p": Photo.objects.get()})) == ""


def test_a_tag_of_a_file_waiting_for_a_worker_asks_the_storage_only_its_url(
    backend, recording_default_storage, image_file
):
    photo = Photo.objects.create(original_image=image_file("dog.jpg", size=(80, 60)))
    recording_default_storage.calls.clear()

    Template("{% load imagekit %}{% thumbnail '40x30' p.original_image %}").render(
        Context({"p": photo})
    )

    assert len(backend.sent) == 1
    assert recording_default_storage.methods_called() == ["url"]  # no open to measure it
