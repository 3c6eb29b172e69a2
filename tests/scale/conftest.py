"""Fixtures of the scale-out tests: Redis, moto's S3 server, real workers and web processes.

Servers, workers and web processes are started on first use and stopped at
the end of the session. Workers and web processes run with
``tests.scale.settings`` against the session's test database file, media
folder and Redis.
"""

from __future__ import annotations

import os
import signal
import uuid
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from tests.conftest import make_image_bytes

from .helpers import WORKER_TIMEOUT, tasks_in_flight
from .servers import (
    REPO_ROOT,
    Process,
    WebServer,
    s3_options,
    start_moto,
    start_redis,
    start_runserver,
    wait_for,
    worker_command,
)

BACKENDS = {
    "simple": "imagekit.cachefiles.backends.Simple",
    "celery": "imagekit.cachefiles.backends.Celery",
    "rq": "imagekit.cachefiles.backends.RQ",
    "dramatiq": "imagekit.cachefiles.backends.Dramatiq",
    "tasks": "imagekit.cachefiles.backends.DjangoTasks",
}


@pytest.fixture(scope="session")
def run_dir() -> Path:
    return Path(django_settings.RUN_DIR)


@pytest.fixture(scope="session", autouse=True)
def _stop_servers_on_sigterm() -> Iterator[None]:
    """Turn SIGTERM (a CI timeout, say) into KeyboardInterrupt.

    pytest then runs the finalizers, which stop the servers and workers;
    otherwise they would outlive the session.
    """

    def interrupt(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")

    previous = signal.signal(signal.SIGTERM, interrupt)
    yield
    signal.signal(signal.SIGTERM, previous)


@pytest.fixture(scope="session", autouse=True)
def redis_server(run_dir: Path) -> Iterator[Process]:
    """The session's redis-server: broker of every queue and Django's cache."""
    process = start_redis(run_dir, django_settings.REDIS_SOCKET)
    yield process
    process.stop()


@pytest.fixture(scope="session")
def s3_endpoint(run_dir: Path) -> Iterator[str]:
    """The URL of moto's S3-compatible server on loopback."""
    process, url = start_moto(run_dir)
    yield url
    process.stop()


def create_bucket(endpoint: str, bucket: str) -> None:
    import boto3

    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        region_name="us-east-1",
    )
    client.create_bucket(Bucket=bucket)


@pytest.fixture
def s3_storage(settings, s3_endpoint: str):
    """Make a fresh bucket the default storage (sources and cache files) for one test."""
    bucket = f"ik-{uuid.uuid4().hex[:16]}"
    create_bucket(s3_endpoint, bucket)
    settings.STORAGES = {
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": s3_options(s3_endpoint, bucket),
        },
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    return storages["default"]


@pytest.fixture
def s3_requests(s3_storage) -> list[tuple[str, str]]:
    """Record ``(method, url)`` of every request the S3 storage sends from now on."""
    sent: list[tuple[str, str]] = []

    def record(request, **kwargs):
        sent.append((request.method, request.url))

    s3_storage.connection.meta.client.meta.events.register("before-send.s3", record)
    return sent


def project_env(backend: str, **extra: str) -> dict[str, str]:
    """Return the environment of a worker or web process using the cache file *backend*."""
    python_path = os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")]))
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.scale.settings",
        "IMAGEKIT_SCALE_RUN_DIR": django_settings.RUN_DIR,
        "IMAGEKIT_SCALE_DB": connection.settings_dict["NAME"],
        "IMAGEKIT_SCALE_BACKEND": backend,
        "PYTHONPATH": python_path,
        "PYTHONUNBUFFERED": "1",
        **extra,
    }


@pytest.fixture(scope="session")
def tasks_workers() -> list[tuple[Process, str]]:
    """The Django-tasks workers started so far, each with the queue it serves."""
    return []


@pytest.fixture(scope="session")
def start_worker(
    django_db_setup, redis_server, run_dir: Path, tasks_workers: list[tuple[Process, str]]
) -> Iterator[Callable[..., Process]]:
    """Return ``start_worker(kind, queue="imagekit", name=None, options=(), **env)``.

    *options* are added to the worker's command line (see
    :func:`~.servers.worker_command`). Every worker started is stopped at
    the end of the session.
    """
    started: list[Process] = []

    def start(
        kind: str,
        queue: str = "imagekit",
        name: str | None = None,
        options: Sequence[str] = (),
        **env: str,
    ) -> Process:
        name = name or f"{kind}-{len(started)}"
        process = Process(
            name,
            worker_command(kind, queue, name, options),
            run_dir / "logs",
            project_env(BACKENDS[kind], **env),
        )
        started.append(process)
        if kind == "tasks":
            tasks_workers.append((process, queue))
        return process

    yield start
    for process in started:
        process.stop()


@pytest.fixture(scope="session")
def start_web(django_db_setup, redis_server, run_dir: Path) -> Iterator[Callable[..., WebServer]]:
    """Return ``start_web(name, backend="simple")``: a web process of the project.

    It is ``manage.py runserver --noreload`` on a free loopback port, with the
    session's settings, database, media folder and Redis, and the cache file
    backend of that kind (``"simple"``, or a queue's). Every one started is
    stopped at the end of the session.
    """
    started: list[WebServer] = []

    def start(name: str, backend: str = "simple") -> WebServer:
        server = start_runserver(name, run_dir / "logs", project_env(BACKENDS[backend]))
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture(scope="session")
def workers(start_worker) -> Callable[[str], Process]:
    """Return ``workers(kind)``: the session's one worker of that kind, started on first use."""
    running: dict[str, Process] = {}

    def get(kind: str) -> Process:
        if kind not in running:
            running[kind] = start_worker(kind)
        process = running[kind]
        assert process.running(), (
            f"the {kind} worker died (exit status {process.popen.returncode})"
            + process.log_tail(80)
        )
        return process

    return get


@pytest.fixture(autouse=True)
def _tasks_finish_before_the_tables_are_emptied(
    request, _django_db_marker, tasks_workers: list[tuple[Process, str]]
) -> Iterator[None]:
    """Wait, as a transactional test ends, until the Django-tasks workers are idle.

    pytest-django empties every table after a transactional test, django-tasks-db's
    table of task results too. ``db_worker`` records how a task ended by
    updating its row; a row deleted while its task runs makes that update
    raise, and the worker exits, failing every later test that shares it.
    So the test's own queued tasks finish first (this fixture depends on
    pytest-django's, so it is torn down before the tables are emptied). A
    worker that died during the test fails the test, with its log.
    """
    # The workers this test may use: those alive now and those it starts.
    dead_before = {worker for worker, _queue in tasks_workers if not worker.running()}
    yield
    marker = request.node.get_closest_marker("django_db")
    transactional = (marker is not None and marker.kwargs.get("transaction")) or (
        "transactional_db" in request.fixturenames
    )
    running = [(worker, queue) for worker, queue in tasks_workers if worker not in dead_before]
    if not transactional or not running:
        return

    def idle() -> bool:
        for worker, _queue in running:
            if not worker.running() and not worker.stopped:
                pytest.fail(
                    f"the tasks worker {worker.name} died during this test "
                    f"(exit status {worker.popen.returncode})" + worker.log_tail(80)
                )
        serving = {queue for worker, queue in running if worker.running()}
        return not serving or tasks_in_flight(serving) == 0

    wait_for(
        idle,
        WORKER_TIMEOUT,
        "the tasks workers to finish this test's tasks",
        logs=[worker for worker, _queue in running],
    )


@pytest.fixture
def use_backend(settings) -> Callable[[str], None]:
    """Return ``use_backend(kind)``: make that queue's backend the default one."""

    def use(kind: str) -> None:
        settings.IMAGEKIT_DEFAULT_CACHEFILE_BACKEND = BACKENDS[kind]

    return use


@pytest.fixture
def upload_file() -> Callable[..., SimpleUploadedFile]:
    """Return ``upload_file(size=(160, 120))``: a JPEG under a name no other test uses."""

    def build(size: tuple[int, int] = (160, 120)) -> SimpleUploadedFile:
        name = f"{uuid.uuid4().hex}.jpg"
        return SimpleUploadedFile(name, make_image_bytes("JPEG", size), content_type="image/jpeg")

    return build


@pytest.fixture(autouse=True)
def _nothing_generated_in_process_by_a_queue_backend(caplog):
    """Fail a test in which a queue backend fell back to generating in-process."""
    yield
    fallbacks = [r.getMessage() for r in caplog.records if "cannot queue" in r.getMessage()]
    assert fallbacks == []
