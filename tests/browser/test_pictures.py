"""The demo's page of ``{% picture %}`` in a real headless Chromium (issue #12).

At viewport widths 375 and 1280 and device pixel ratios 1 and 2, Chromium
must pick an AVIF candidate of the width that ``srcset`` and ``sizes`` call
for; before the image loads, the blurred placeholder must show and the box
must already have its final size. The expected widths come from the template's
declaration (below) and the sources' sizes, read from the site's media folder.
"""

from __future__ import annotations

import sqlite3
import time

import pytest
from PIL import Image

# What example/gallery/templates/gallery/picture_list.html declares.
WIDTHS = (240, 480, 720, 960)
BOX = (960, 640)  # the geometry: every variant is cut to 3:2


def slot_width(viewport: int) -> float:
    """``sizes="(min-width: 1000px) 50vw, 100vw"`` at *viewport* CSS pixels."""
    return viewport * (0.5 if viewport >= 1000 else 1.0)


def offered_widths(site) -> list[int]:
    """The widths the first photo's picture offers: the declared ones its source can give."""
    with sqlite3.connect(site.database) as db:
        (name,) = db.execute("SELECT image FROM gallery_photo ORDER BY title LIMIT 1").fetchone()
    with Image.open(site.media_root / name) as source:
        width, height = source.size
    widest = min(width, height * BOX[0] / BOX[1])
    return [w for w in WIDTHS if w <= widest] or [WIDTHS[0]]


def expected_width(site, viewport: int, dpr: int) -> int:
    """The candidate a browser takes: the narrowest at least slot x DPR wide, else the widest."""
    widths = offered_widths(site)
    needed = slot_width(viewport) * dpr
    return next((w for w in widths if w >= needed), widths[-1])


FIRST_PICTURE = """
const img = document.querySelector('.pictures img');
const rect = img.getBoundingClientRect();
const source = img.closest('picture').querySelector('source[type="image/avif"]');
return {
  currentSrc: img.currentSrc,
  complete: img.complete,
  naturalWidth: img.naturalWidth,
  boxWidth: rect.width,
  boxHeight: rect.height,
  background: getComputedStyle(img).backgroundImage,
  avifSrcset: source ? source.getAttribute('srcset') : '',
  width: img.getAttribute('width'),
  height: img.getAttribute('height'),
};
"""

WAIT_DECODED = """
const done = arguments[arguments.length - 1];
const img = document.querySelector('.pictures img');
img.decode().then(() => done(true), () => done(false));
"""


# The pixel width of the image at a URL, decoded on its own (no srcset).
DECODED_WIDTH = """
const done = arguments[arguments.length - 1];
const img = new Image();
img.src = arguments[0];
img.decode().then(() => done(img.naturalWidth), () => done(0));
"""


def emulate(driver, width: int, dpr: int) -> None:
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": 900, "deviceScaleFactor": dpr, "mobile": False},
    )
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd("Network.setCacheDisabled", {"cacheDisabled": True})
    driver.execute_cdp_cmd("Network.clearBrowserCache", {})


def load(driver, url: str) -> dict:
    """Load *url* and wait until the first picture has decoded; describe it."""
    driver.get(url)
    assert driver.execute_async_script(WAIT_DECODED), "the first picture did not decode"
    return driver.execute_script(FIRST_PICTURE)


def load_held(driver, url: str, screenshot, name: str) -> dict:
    """Load *url* with every cache file's response held back; describe the first picture.

    The requests are paused (DevTools ``Fetch``), not failed: the images are
    in the state a slow network leaves them in, still loading.
    """
    driver.execute_cdp_cmd(
        "Fetch.enable", {"patterns": [{"urlPattern": "*/CACHE/*", "requestStage": "Request"}]}
    )
    try:
        driver.execute_cdp_cmd("Page.navigate", {"url": url})
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            ready = driver.execute_script(
                "return document.readyState !== 'loading' && "
                "!!document.querySelector('.pictures img') && location.href;"
            )
            if ready == url:
                break
            time.sleep(0.1)
        time.sleep(0.5)  # layout and paint, with the images still on their way
        described = driver.execute_script(FIRST_PICTURE)
        screenshot(driver, name)
        return described
    finally:
        driver.execute_cdp_cmd("Fetch.disable", {})


def candidate_width(srcset: str, url: str) -> int:
    for entry in srcset.split(", "):
        candidate, descriptor = entry.rsplit(" ", 1)
        if url.endswith(candidate):
            return int(descriptor.rstrip("w"))
    raise AssertionError(f"{url} is not a candidate of {srcset!r}")


@pytest.fixture(scope="module")
def pictures_url(demo_site):
    # The first visit makes every variant (JustInTime, one decode per photo).
    import urllib.request

    url = demo_site.url + "pictures/"
    with urllib.request.urlopen(url, timeout=120) as response:
        assert response.status == 200
    return url


@pytest.mark.parametrize("dpr", [1, 2])
@pytest.mark.parametrize("viewport", [375, 1280])
def test_chromium_picks_the_avif_candidate_that_srcset_and_sizes_call_for(
    viewport, dpr, browser, demo_site, pictures_url, screenshot
):
    emulate(browser, viewport, dpr)

    picture = load(browser, pictures_url)

    screenshot(browser, f"pictures-{viewport}px-dpr{dpr}")
    assert picture["currentSrc"].endswith(".avif"), picture["currentSrc"]
    width = candidate_width(picture["avifSrcset"], picture["currentSrc"])
    assert width == expected_width(demo_site, viewport, dpr)
    # The file is as wide as it says (naturalWidth of the <img> is in CSS pixels).
    assert browser.execute_async_script(DECODED_WIDTH, picture["currentSrc"]) == width


@pytest.mark.parametrize("viewport", [375, 1280])
def test_the_placeholder_shows_in_a_box_of_the_final_size_before_the_image_loads(
    viewport, browser, pictures_url, screenshot
):
    emulate(browser, viewport, 1)

    # Every variant held back: the page as it is before any image has arrived.
    before = load_held(browser, pictures_url, screenshot, f"pictures-{viewport}px-placeholder")
    after = load(browser, pictures_url)

    assert not before["complete"] and before["naturalWidth"] == 0
    assert before["background"].startswith('url("data:image/svg+xml,')
    assert before["boxWidth"] > 0
    assert (before["boxWidth"], before["boxHeight"]) == (after["boxWidth"], after["boxHeight"])
    # The box is the image's: its width and height attributes give 3:2.
    assert abs(after["boxHeight"] - after["boxWidth"] * BOX[1] / BOX[0]) < 1
