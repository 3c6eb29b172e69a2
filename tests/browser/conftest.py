"""Fixtures of the browser tests: the example site, served, and headless Chromium.

These tests are slow and need Debian's ``chromium`` and ``chromium-driver``
plus Selenium (the ``browser`` extra), so the ordinary test run skips them.
Run them with ``python3 scripts/browsertest.py``, which sets
``IMAGEKIT_BROWSER_TESTS=1``; ``.ci/run`` does, after installing Chromium
with ``scripts/ci/install_chromium.sh``.

The site is the real example project started by ``scripts/demo.py`` (the
README's first command, minus the virtual environment), with its database and
media folder in a temporary folder (``IMAGEKIT_EXAMPLE_STATE_DIR``), so the
``example/`` folder of the work tree is not touched.
"""

from __future__ import annotations

import base64
import os
import re
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.support.servers import Process, free_port

REPO_ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
# Without these flags Chromium tries to reach the network at start-up and can
# hang where there is none (CI).
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1280,900",
]
SITE_START_TIMEOUT = 300  # seconds: migrate, draw the samples, generate their images

_screenshot_key = pytest.StashKey[list]()


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    paths = config.stash.get(_screenshot_key, [])
    if paths:
        terminalreporter.section("browser screenshots")
        for path in paths:
            terminalreporter.write_line(str(path))


@dataclass
class DemoSite:
    """The example project served by ``scripts/demo.py``."""

    url: str
    state_dir: Path
    log_path: Path
    username: str = ""
    password: str = ""
    media_root: Path = field(init=False)

    def __post_init__(self):
        self.media_root = self.state_dir / "media"

    @property
    def database(self) -> Path:
        return self.state_dir / "db.sqlite3"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def _wait_until_serving(process: Process, site: DemoSite) -> None:
    deadline = time.monotonic() + SITE_START_TIMEOUT
    while time.monotonic() < deadline:
        if not process.running():
            pytest.fail(
                f"scripts/demo.py exited with {process.popen.returncode}:\n{site.log()}",
                pytrace=False,
            )
        try:
            with urllib.request.urlopen(site.url, timeout=5) as response:
                if response.status == 200:
                    return
        except urllib.error.HTTPError as exc:  # serving, but the page is broken
            pytest.fail(f"GET {site.url} answered {exc.code}:\n{site.log()}", pytrace=False)
        except (urllib.error.URLError, OSError):
            pass  # not listening yet
        time.sleep(0.5)
    pytest.fail(f"The demo site did not answer within {SITE_START_TIMEOUT}s:\n{site.log()}")


@pytest.fixture(scope="session")
def demo_site(tmp_path_factory):
    """Run ``scripts/demo.py --no-venv`` on a free port; stop it afterwards."""
    state_dir = tmp_path_factory.mktemp("example-state")
    port = free_port()
    env = dict(os.environ)
    # pytest-django exported the test suite's settings; the example project
    # must use its own.
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env["IMAGEKIT_EXAMPLE_STATE_DIR"] = str(state_dir)
    # The example imports imagekit from this work tree, like the tests do.
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [env.get("PYTHONPATH"), str(REPO_ROOT)]))
    env["PYTHONUNBUFFERED"] = "1"
    command = [sys.executable, "scripts/demo.py", "--no-venv", "--port", str(port)]
    # In its own process group, with runserver in it; logs to state_dir/demo.log.
    process = Process("demo", command, state_dir, env)
    site = DemoSite(url=f"http://127.0.0.1:{port}/", state_dir=state_dir, log_path=process.log_path)
    try:
        _wait_until_serving(process, site)
        login = re.search(r"Admin login: username (\S+), password (\S+)", site.log())
        assert login, f"scripts/demo.py printed no admin login:\n{site.log()}"
        site.username, site.password = login.groups()
        yield site
    finally:
        process.stop()


def _start_chromium(tmp_path_factory, *extra_flags: str):
    missing = [str(path) for path in (CHROMIUM, CHROMEDRIVER) if not path.exists()]
    if missing:
        pytest.fail(
            f"Missing {', '.join(missing)}: run scripts/ci/install_chromium.sh (as root).",
            pytrace=False,
        )
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    profile = tmp_path_factory.mktemp("chromium-profile")
    for flag in [*CHROMIUM_FLAGS, *extra_flags, f"--user-data-dir={profile}"]:
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(60)
    driver.set_script_timeout(60)
    return driver


@pytest.fixture(scope="session")
def browser(tmp_path_factory):
    """Headless Chromium at the usual pixel density."""
    driver = _start_chromium(tmp_path_factory)
    yield driver
    driver.quit()


@pytest.fixture(scope="session")
def hidpi_browser(tmp_path_factory):
    """Headless Chromium with two device pixels per CSS pixel."""
    driver = _start_chromium(tmp_path_factory, "--force-device-scale-factor=2")
    yield driver
    driver.quit()


@pytest.fixture(scope="session")
def screenshot(request):
    """Return ``screenshot(driver, name)``: save the whole page as PNG, return its path.

    Screenshots go to ``artifacts/screenshots/`` in the repository (or to
    ``IMAGEKIT_SCREENSHOT_DIR``); their paths are listed at the end of the run.
    """
    folder = Path(
        os.environ.get("IMAGEKIT_SCREENSHOT_DIR") or REPO_ROOT / "artifacts" / "screenshots"
    )
    folder.mkdir(parents=True, exist_ok=True)
    saved = request.config.stash.setdefault(_screenshot_key, [])

    def save(driver, name: str) -> Path:
        path = folder / f"{name}.png"
        # Chromium's DevTools protocol captures the whole page, not just the
        # part in the window.
        size = driver.execute_cdp_cmd("Page.getLayoutMetrics", {})["cssContentSize"]
        clip = {"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1}
        shot = driver.execute_cdp_cmd(
            "Page.captureScreenshot",
            {"format": "png", "captureBeyondViewport": True, "clip": clip},
        )
        path.write_bytes(base64.b64decode(shot["data"]))
        saved.append(path)
        return path

    return save
