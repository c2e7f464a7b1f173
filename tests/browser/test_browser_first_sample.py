"""The first steps of the journey, in a real browser: create an endpoint, capture a sample.

The screenshots it takes are the user guide's: with ``SWITCHBOARD_UPDATE_SCREENSHOTS=1`` they
replace those in docs/images/; otherwise they go to tests/artifacts/screenshots/, so that an
ordinary test run leaves the repository unchanged (each run has new URLs and times).
"""

from __future__ import annotations

import os
import re
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

SAMPLE = Path(__file__).resolve().parent.parent / "samples" / "platform-form-post.txt"
TESTS = Path(__file__).resolve().parent.parent
IMAGES = (
    TESTS.parent / "docs" / "images"
    if os.environ.get("SWITCHBOARD_UPDATE_SCREENSHOTS") == "1"
    else TESTS / "artifacts" / "screenshots"
)
TABLET = {"width": 768, "height": 1024}
# The page polls every 2 s; a sample must show within a few polls.
SAMPLE_SHOWS_WITHIN_MS = 10_000


def screenshot(page: Page, name: str) -> None:
    IMAGES.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=IMAGES / name, full_page=True)


def post_sample(url: str) -> int:
    request = urllib.request.Request(
        url,
        data=SAMPLE.read_bytes(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return int(response.status)


def test_a_new_endpoint_waits_for_a_sample_and_shows_it_when_it_arrives(
    page: Page, server: str
) -> None:
    page.goto(server)
    expect(page.get_by_role("heading", name="No endpoints yet")).to_be_visible()
    screenshot(page, "endpoints-empty.png")

    page.get_by_role("link", name="Create your first endpoint").click()
    page.get_by_label("Name", exact=True).fill("Vbout contacts")
    screenshot(page, "endpoint-new.png")
    page.get_by_role("button", name="Create endpoint").click()

    expect(page).to_have_url(f"{server}/endpoints/vbout-contacts")
    expect(page.get_by_role("heading", name="Vbout contacts")).to_be_visible()
    expect(page.get_by_text("Waiting for a sample")).to_be_visible()
    screenshot(page, "endpoint-waiting.png")

    page.get_by_role("button", name="Copy").click()
    expect(page.get_by_role("button", name="Copied")).to_be_visible()
    listener_url = page.evaluate("navigator.clipboard.readText()")
    assert re.fullmatch(rf"{re.escape(server)}/hooks/[\w-]+", listener_url)

    assert post_sample(listener_url) == 200

    expect(page.get_by_text("A sample arrived")).to_be_visible(timeout=SAMPLE_SHOWS_WITHIN_MS)
    expect(page.get_by_text("Waiting for a sample")).to_have_count(0)
    custom_fields = page.locator(
        ".tree-section", has=page.get_by_role("heading", name="Custom fields")
    )
    expect(custom_fields.get_by_text("Jane", exact=True)).to_be_visible()
    expect(custom_fields.get_by_text("Company", exact=True)).to_be_visible()
    expect(custom_fields.get_by_text("Acme Widgets & Co.", exact=True)).to_be_visible()
    screenshot(page, "endpoint-sample.png")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Endpoints").click()
    row = page.get_by_role("row", name=re.compile("Vbout contacts"))
    expect(row.get_by_text("1 delivered")).to_be_visible()
    expect(row.get_by_text("On", exact=True)).to_be_visible()
    screenshot(page, "endpoints-list.png")


def fits_the_width(page: Page) -> bool:
    return bool(page.evaluate("innerWidth >= document.documentElement.scrollWidth"))


def test_pages_fit_a_tablet_without_sideways_scrolling(page: Page, server: str) -> None:
    page.set_viewport_size(TABLET)
    page.goto(f"{server}/endpoints/new")
    page.get_by_label("Name", exact=True).fill("A rather long endpoint name for a tablet screen")
    page.get_by_role("button", name="Create endpoint").click()
    expect(page.get_by_text("Waiting for a sample")).to_be_visible()
    assert fits_the_width(page)
    listener_url = page.get_by_role("textbox", name="Listener URL").input_value()
    assert post_sample(listener_url) == 200
    expect(page.get_by_text("A sample arrived")).to_be_visible(timeout=SAMPLE_SHOWS_WITHIN_MS)
    assert fits_the_width(page)
    page.goto(server)
    expect(page.get_by_role("button", name="Copy")).to_be_visible()
    assert fits_the_width(page)


def test_a_form_mistake_is_explained_beside_the_field_which_gets_the_focus(
    page: Page, server: str
) -> None:
    page.goto(f"{server}/endpoints/new")
    page.get_by_role("button", name="Create endpoint").click()
    name = page.get_by_label("Name", exact=True)
    expect(page.get_by_text("Give the endpoint a name")).to_be_visible()
    expect(name).to_be_focused()
    expect(name).to_have_attribute("aria-invalid", "true")
    expect(page).to_have_url(f"{server}/endpoints/new")  # corrected in place, by htmx
    screenshot(page, "endpoint-new-error.png")
