"""The example site in a real headless Chromium: every image decodes at its width.

The expected widths come from the specs of the example project
(``example/gallery/models.py``, ``imagegenerators.py`` and the gallery
template) and, for the card whose size each photo chooses, from the photo's
row in the site's database, never from the page itself.
"""

from __future__ import annotations

import sqlite3

import pytest
from PIL import Image, ImageDraw

# What the example project asks imagekit for, by the class of the <img>.
BANNER_WIDTH = 600  # the "gallery:banner" spec: ResizeToFill(600, 200)
THUMBNAIL_WIDTH = 200  # Photo.thumbnail: ResizeToFill(200, 150)
TAG_THUMBNAIL_WIDTH = 120  # {% thumbnail "120x90" ... srcset="2 3" %}
AVATAR_WIDTH = 96  # Photo.avatar: ProcessedImageField, ResizeToFill(96, 96)

# Wait until every <img> has loaded and decoded (or failed), then describe them.
COLLECT_IMAGES = """
const done = arguments[arguments.length - 1];
const images = Array.from(document.images);
Promise.all(images.map((img) => img.decode().catch(() => null))).then(() => done(
  images.map((img) => ({
    className: img.className,
    alt: img.alt,
    src: img.getAttribute("src"),
    srcset: img.getAttribute("srcset") || "",
    currentSrc: img.currentSrc,
    cell: (img.closest("td, th") || {}).className || "",
    complete: img.complete,
    naturalWidth: img.naturalWidth,
    naturalHeight: img.naturalHeight,
  }))
));
"""

# The pixel width of the image at a URL, decoded on its own (no srcset).
DECODED_WIDTH = """
const done = arguments[arguments.length - 1];
const img = new Image();
img.src = arguments[0];
img.decode().then(() => done(img.naturalWidth), () => done(0));
"""

UPLOAD_TITLE = "Uploaded through the form"


def card_widths(site) -> dict[str, int]:
    """Return each photo's card width, by title, from the site's database."""
    with sqlite3.connect(site.database) as db:
        return dict(db.execute("SELECT title, card_width FROM gallery_photo"))


def srcset_candidates(srcset: str) -> dict[str, str]:
    """Map each density of a ``srcset`` value ("2.0x") to its URL."""
    candidates = {}
    for entry in srcset.split(","):
        url, density = entry.split()
        candidates[density] = url
    return candidates


def collect_images(driver) -> list[dict]:
    images = driver.execute_async_script(COLLECT_IMAGES)
    assert images, f"no <img> on {driver.current_url}"
    return images


def check_images(images, expected_width) -> None:
    """Assert every image is complete and as wide as ``expected_width(image)``."""
    problems = []
    for image in images:
        expected = expected_width(image)
        label = f"<img class={image['className']!r} alt={image['alt']!r} src={image['src']!r}>"
        if expected is None:
            problems.append(f"{label}: not an image this page should show")
        elif not image["complete"] or image["naturalWidth"] == 0:
            problems.append(f"{label}: did not load or decode")
        elif expected != "any" and image["naturalWidth"] != expected:
            problems.append(f"{label}: naturalWidth {image['naturalWidth']}, expected {expected}")
    assert not problems, "\n".join(problems)


def gallery_width(cards: dict[str, int]):
    def expected(image):
        classes = image["className"].split()
        if "banner" in classes:
            return BANNER_WIDTH
        if "card" in classes:
            return cards.get(image["alt"])
        if "thumbnail" in classes:
            return THUMBNAIL_WIDTH
        if "tag-thumbnail" in classes:
            return TAG_THUMBNAIL_WIDTH
        if "avatar" in classes:
            return AVATAR_WIDTH
        return None

    return expected


def test_gallery_shows_every_image_at_its_spec_width(demo_site, browser, screenshot):
    browser.get(demo_site.url)
    images = collect_images(browser)
    cards = card_widths(demo_site)

    check_images(images, gallery_width(cards))
    shown = {image["alt"] for image in images if image["className"] == "card"}
    assert shown == set(cards), "every photo of the database has a card"
    for image in images:
        if image["className"] == "tag-thumbnail":
            # At one device pixel per CSS pixel the browser picks the 1x image.
            assert image["currentSrc"].endswith(srcset_candidates(image["srcset"])["1x"])
    screenshot(browser, "gallery")


def test_gallery_picks_the_2x_thumbnail_on_a_high_density_screen(
    demo_site, hidpi_browser, screenshot
):
    hidpi_browser.get(demo_site.url)
    images = collect_images(hidpi_browser)

    # naturalWidth is corrected for the density of the srcset candidate, so
    # the 2x file of a 120 pixel thumbnail still reports 120 ...
    check_images(images, gallery_width(card_widths(demo_site)))
    tag_thumbnails = [image for image in images if image["className"] == "tag-thumbnail"]
    assert tag_thumbnails
    for image in tag_thumbnails:
        assert image["currentSrc"].endswith(srcset_candidates(image["srcset"])["2.0x"])
        # ... while the file itself is twice as wide.
        assert (
            hidpi_browser.execute_async_script(DECODED_WIDTH, image["currentSrc"])
            == 2 * TAG_THUMBNAIL_WIDTH
        )
    screenshot(hidpi_browser, "gallery-2x")


@pytest.fixture
def upload_image(tmp_path):
    """A 900x600 PNG drawn with Pillow, as a file on disk for the file input."""
    image = Image.radial_gradient("L").resize((900, 600)).convert("RGB")
    draw = ImageDraw.Draw(image)
    draw.rectangle((60, 60, 420, 300), fill="#2a9d8f")
    draw.ellipse((480, 200, 840, 560), fill="#e76f51")
    path = tmp_path / "upload.png"
    image.save(path)
    return path


def test_upload_form_adds_a_photo_to_the_gallery(demo_site, browser, screenshot, upload_image):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.wait import WebDriverWait

    browser.get(f"{demo_site.url}upload/")
    check_images(browser.execute_async_script(COLLECT_IMAGES), lambda image: None)
    screenshot(browser, "upload-form")

    browser.find_element(By.ID, "id_title").send_keys(UPLOAD_TITLE)
    browser.find_element(By.ID, "id_image").send_keys(str(upload_image))
    browser.find_element(By.ID, "id_avatar").send_keys(str(upload_image))
    for field_id, value in (("id_card_width", "280"), ("id_card_height", "180")):
        field = browser.find_element(By.ID, field_id)
        field.clear()
        field.send_keys(value)
    browser.find_element(By.ID, "id_monochrome").click()
    browser.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()

    # A valid upload redirects to the gallery.
    WebDriverWait(browser, 60).until(lambda driver: driver.current_url == demo_site.url)
    images = collect_images(browser)
    cards = card_widths(demo_site)
    assert cards[UPLOAD_TITLE] == 280
    check_images(images, gallery_width(cards))
    uploaded = {image["className"] for image in images if image["alt"] == UPLOAD_TITLE}
    assert uploaded == {"card", "tag-thumbnail"}
    assert any(image["src"].startswith("/media/avatars/") for image in images)
    with sqlite3.connect(demo_site.database) as db:
        (avatar,) = db.execute(
            "SELECT avatar FROM gallery_photo WHERE title = ?", [UPLOAD_TITLE]
        ).fetchone()
    # The ProcessedImageField stored its 96x96 PNG, not the upload.
    with Image.open(demo_site.media_root / avatar) as stored:
        assert stored.size == (AVATAR_WIDTH, AVATAR_WIDTH)
    screenshot(browser, "gallery-after-upload")


def test_admin_change_list_shows_thumbnails(demo_site, browser, screenshot):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.wait import WebDriverWait

    browser.get(f"{demo_site.url}admin/login/?next=/admin/gallery/photo/")
    browser.find_element(By.ID, "id_username").send_keys(demo_site.username)
    browser.find_element(By.ID, "id_password").send_keys(demo_site.password)
    browser.find_element(By.CSS_SELECTOR, "input[type=submit]").click()

    # Logged in, the admin sends the browser on to the change list. Its URL
    # can change before the new page is parsed: wait for the list itself.
    WebDriverWait(browser, 60).until(
        lambda driver: (
            driver.current_url.endswith("/admin/gallery/photo/")
            and driver.find_elements(By.CSS_SELECTOR, "#result_list tbody tr")
        )
    )
    rows = browser.find_elements(By.CSS_SELECTOR, "#result_list tbody tr")
    assert len(rows) == len(card_widths(demo_site))

    def expected(image):
        if "field-admin_thumbnail" in image["cell"]:
            return THUMBNAIL_WIDTH
        if "field-avatar_preview" in image["cell"]:
            return AVATAR_WIDTH
        if image["src"].startswith("/static/"):
            return "any"  # the admin's own icons
        return None

    images = collect_images(browser)
    check_images(images, expected)
    thumbnails = [image for image in images if "field-admin_thumbnail" in image["cell"]]
    assert len(thumbnails) == len(rows)
    screenshot(browser, "admin-change-list")
