"""Step 7 of the journey in a real browser: find a delivery in the log and open it.

Screenshots follow test_browser_first_sample.py: docs/images/ with
``SWITCHBOARD_UPDATE_SCREENSHOTS=1``, tests/artifacts/screenshots/ otherwise.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from test_browser_first_sample import post_sample, screenshot

pytestmark = pytest.mark.browser


def test_a_delivered_contact_is_found_in_the_log_and_opens_with_its_answer(
    page: Page, server: str
) -> None:
    page.goto(f"{server}/endpoints/new")
    page.get_by_label("Name", exact=True).fill("Vbout contacts")
    page.get_by_role("button", name="Create endpoint").click()
    expect(page.get_by_text("Waiting for a sample")).to_be_visible()
    listener_url = page.get_by_role("textbox", name="Listener URL").input_value()
    assert post_sample(listener_url) == 200

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Deliveries").click()
    expect(page.get_by_role("heading", name="Deliveries", exact=True)).to_be_visible()
    page.get_by_label("Status").select_option("delivered")
    expect(page).to_have_url(f"{server}/deliveries?status=delivered&period=all&q=")
    row = page.get_by_role("row", name=re.compile("Vbout contacts"))
    expect(row.get_by_text("Delivered", exact=True)).to_be_visible()
    expect(row.get_by_text("HTTP 200")).to_be_visible()
    screenshot(page, "deliveries.png")

    page.get_by_label("Status").select_option("failed")
    expect(page.get_by_text("No events match these filters")).to_be_visible()
    page.go_back()
    expect(page.get_by_role("row", name=re.compile("Vbout contacts"))).to_be_visible()

    page.get_by_role("row", name=re.compile("Vbout contacts")).get_by_role("link").first.click()
    expect(page.get_by_role("heading", name=re.compile("^Event received"))).to_be_visible()
    expect(page.get_by_role("heading", name="Answer to the platform")).to_be_visible()
    expect(page.get_by_role("heading", name="Raw body")).to_be_visible()
    expect(page.get_by_text("Acme Widgets & Co.", exact=True)).to_be_visible()

    page.get_by_role("link", name="Deliveries of Vbout contacts").click()
    expect(page).to_have_url(f"{server}/endpoints/vbout-contacts/deliveries")
