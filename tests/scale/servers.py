"""Start and stop the real servers, workers and web processes of the scale-out tests.

The web processes are here. redis-server, moto's S3 server and the queue
workers are started by ``tests/support/servers.py``, which the benchmarks
share; its names are imported here, where the scale-out tests look for them.
"""

from __future__ import annotations

import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.support.servers import (  # noqa: F401 - the scale-out tests import them from here
    REPO_ROOT,
    Process,
    free_port,
    s3_options,
    start_moto,
    start_redis,
    wait_for,
    worker_command,
)

# --- web processes ------------------------------------------------------------


class WebServer(Process):
    """A web process of the project, answering HTTP on ``url``."""

    def __init__(self, name: str, command: list[str], log_dir: Path, env: dict[str, str], url: str):
        super().__init__(name, command, log_dir, env)
        self.url = url

    def get(self, path: str, timeout: float = 60) -> str:
        """Return the body of the page at *path*, failing the test unless it is a 200."""
        try:
            with urllib.request.urlopen(self.url + path, timeout=timeout) as response:
                return response.read().decode()
        except urllib.error.HTTPError as exc:
            pytest.fail(f"{self.name} answered {path} with {exc.code}." + self.log_tail())


def start_runserver(name: str, log_dir: Path, env: dict[str, str]) -> WebServer:
    """Start ``manage.py runserver --noreload`` on a free loopback port; wait until it answers.

    Requests to it go through Django's whole request cycle (its signals,
    middleware and URLconf), as on a site.
    """
    port = free_port()
    command = [sys.executable, "-m", "django", "runserver", "--noreload", f"127.0.0.1:{port}"]
    server = WebServer(name, command, log_dir, env, f"http://127.0.0.1:{port}")

    def answers() -> bool:
        if not server.running():
            pytest.fail(
                f"runserver {name} exited with status {server.popen.returncode}."
                + server.log_tail()
            )
        try:
            with urllib.request.urlopen(f"{server.url}/", timeout=1):
                return True
        except urllib.error.HTTPError:
            return True  # it answered (404: no page at /)
        except OSError:
            return False

    wait_for(answers, 60, f"runserver {name} to answer", logs=[server])
    return server
