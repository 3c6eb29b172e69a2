"""Start and stop real servers and workers: redis-server, moto's S3 server, queue workers.

Shared by the scale-out tests (``tests/scale``, which add their web
processes), the browser tests (``tests/browser``, whose demo site is a
``Process``) and the benchmarks that start servers (``benchmarks/enqueue.py``,
``benchmarks/cleanup.py``). Everything listens on loopback or on a unix
socket inside the caller's run folder, and every process is started in its
own process group so that it and its children are stopped together. A server
that does not come up fails with ``pytest.fail`` (outside pytest that raises
too, with the same message).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from tests.support.redis_server import find_redis_server

REPO_ROOT = Path(__file__).resolve().parents[2]


def wait_for(
    condition: Callable[[], object],
    timeout: float,
    what: str,
    interval: float = 0.05,
    logs: Sequence[Process] = (),
) -> object:
    """Poll *condition* until it returns something true; fail after *timeout* seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            details = "".join(process.log_tail() for process in logs)
            pytest.fail(f"Timed out after {timeout:.0f} s waiting for {what}.{details}")
        time.sleep(interval)


class Process:
    """A server or worker running in its own process group, logging to a file."""

    def __init__(self, name: str, command: list[str], log_dir: Path, env: dict[str, str]):
        self.name = name
        self.stopped = False  # by stop(), as opposed to dying
        self.log_path = log_dir / f"{name}.log"
        log_dir.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            self.popen = subprocess.Popen(
                command,
                cwd=REPO_ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def running(self) -> bool:
        return self.popen.poll() is None

    def log_tail(self, lines: int = 40) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""
        tail = "\n".join(text.splitlines()[-lines:])
        return f"\n--- last lines of {self.log_path} ---\n{tail}\n"

    def stop(self, timeout: float = 15) -> None:
        """Stop the process group: SIGTERM, then SIGKILL if it lingers."""
        self.stopped = True
        if self.popen.poll() is None:
            try:
                os.killpg(self.popen.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                pass
        # Children of the leader (Dramatiq's worker processes) may outlive it.
        try:
            os.killpg(self.popen.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        try:
            self.popen.wait(5)
        except subprocess.TimeoutExpired:
            pass


# --- redis-server -------------------------------------------------------------


def start_redis(run_dir: Path, socket_path: str) -> Process:
    """Start redis-server on the unix socket *socket_path*, persisting nothing."""
    binary = find_redis_server()
    command = [
        binary,
        "--port",
        "0",  # no TCP at all
        "--unixsocket",
        socket_path,
        "--unixsocketperm",
        "700",
        "--save",
        "",
        "--appendonly",
        "no",
        "--dir",
        str(run_dir),
        "--databases",
        "16",
        "--loglevel",
        "warning",
    ]
    process = Process("redis", command, run_dir / "logs", dict(os.environ))

    def answers() -> bool:
        if not process.running():
            pytest.fail(
                f"redis-server exited with status {process.popen.returncode}." + process.log_tail()
            )
        if not os.path.exists(socket_path):
            return False
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
            client.settimeout(1)
            try:
                client.connect(socket_path)
                client.sendall(b"PING\r\n")
                return client.recv(16).startswith(b"+PONG")
            except OSError:
                return False

    wait_for(answers, 20, "redis-server to answer", logs=[process])
    return process


# --- moto_server (S3) -----------------------------------------------------------


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_moto(run_dir: Path) -> tuple[Process, str]:
    """Start moto's S3-compatible server on loopback; return it and its URL."""
    port = free_port()
    command = [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)]
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
    process = Process("moto", command, run_dir / "logs", env)
    url = f"http://127.0.0.1:{port}"

    def answers() -> bool:
        if not process.running():
            pytest.fail(
                f"moto_server exited with status {process.popen.returncode}." + process.log_tail()
            )
        try:
            with urllib.request.urlopen(f"{url}/moto-api/", timeout=1):
                return True
        except OSError:
            return False

    wait_for(answers, 30, "moto_server to answer", logs=[process])
    return process, url


def s3_options(endpoint: str, bucket: str) -> dict[str, object]:
    """The ``OPTIONS`` of django-storages' ``S3Storage`` for *bucket* on moto at *endpoint*."""
    return {
        "bucket_name": bucket,
        "endpoint_url": endpoint,
        "access_key": "testing",
        "secret_key": "testing",
        "region_name": "us-east-1",
        "addressing_style": "path",
        "querystring_auth": False,
    }


# --- workers --------------------------------------------------------------------


def worker_command(
    kind: str,
    queue: str,
    name: str,
    options: Sequence[str] = (),
    *,
    celery_app: str = "tests.scale",
) -> list[str]:
    """Return the command line of a *kind* worker serving *queue*.

    Each is started the way its own documentation tells a site to start it,
    with the options needed to serve *queue* and nothing that changes how
    tasks are run or read (no ``--serializer``, no other pool): imagekit's
    tasks must run in the worker a site already has. *options* are added at
    the end (``["--serializer", ...]`` for the site that uses one). *name* is
    the Celery node name; the other workers need none. *celery_app* is the
    module Celery's ``-A`` loads (the scale-out tests' project by default).
    """
    python = sys.executable
    if kind == "celery":
        # Celery's Django guide: ``celery -A proj worker -l INFO``; ``-Q`` picks
        # the queue, ``-n`` tells two workers on one host apart.
        return [
            python,
            "-m",
            "celery",
            "-A",
            celery_app,
            "worker",
            "-l",
            "INFO",
            "-Q",
            queue,
            "-n",
            f"{name}@%h",
            *options,
        ]
    if kind == "rq":
        # django-rq: ``python manage.py rqworker high default low``.
        return [python, "-m", "django", "rqworker", queue, *options]
    if kind == "dramatiq":
        # django-dramatiq: ``python manage.py rundramatiq``; it serves the
        # queues of the actors it discovers (imagekit's is *queue*).
        return [python, "-m", "django", "rundramatiq", *options]
    if kind == "tasks":
        # django-tasks-db: ``python manage.py db_worker``, here for the queue
        # imagekit's tasks are enqueued on.
        return [python, "-m", "django", "db_worker", "--queue-name", queue, *options]
    raise ValueError(f"Unknown worker kind {kind!r}")
