"""The rest of the journey in a real browser: a pasted sample, a credential, a bulk replay.

Screenshots follow test_browser_first_sample.py (docs/images/ with
``SWITCHBOARD_UPDATE_SCREENSHOTS=1``).
"""

from __future__ import annotations

import re
import urllib.error
import urllib.request

import pytest
from playwright.sync_api import Page, expect
from support.target import Target
from test_browser_first_sample import SAMPLE, post_sample, screenshot

pytestmark = pytest.mark.browser


def post_failing_contact(url: str, transactionid: str) -> int:
    body = SAMPLE.read_bytes().replace(b"8f1c2a7e", transactionid.encode())
    request = urllib.request.Request(
        url, data=body, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as failed:
        return failed.code


def test_a_pasted_body_becomes_the_sample_without_any_delivery(page: Page, server: str) -> None:
    page.goto(f"{server}/endpoints/new")
    page.get_by_label("Name", exact=True).fill("Pasted")
    page.get_by_role("button", name="Create endpoint").click()
    expect(page.get_by_text("Waiting for a sample")).to_be_visible()

    page.get_by_text("Paste a body instead").click()
    page.get_by_label("Body, or the query string for GET").fill(SAMPLE.read_text())
    screenshot(page, "sample-paste.png")
    page.get_by_role("button", name="Use this sample").click()

    expect(page.get_by_text("Acme Widgets & Co.", exact=True)).to_be_visible()
    expect(page.get_by_text("Waiting for a sample")).to_have_count(0)
    page.goto(f"{server}/deliveries")
    expect(page.get_by_text("Pasted")).to_have_count(0)


def test_a_credential_is_created_and_its_secret_never_shown(page: Page, server: str) -> None:
    page.goto(server)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Credentials").click()
    page.get_by_role("link", name="New credential").first.click()
    page.get_by_label("Name", exact=True).fill("hubspot")
    page.get_by_role("radio", name=re.compile("^Bearer token")).check()
    page.get_by_role("textbox", name="Token").fill("pat-na1-secret")
    page.get_by_role("button", name="Save credential").click()

    row = page.get_by_role("row", name=re.compile("hubspot"))
    expect(row.get_by_text("Set", exact=True)).to_be_visible()
    expect(page.locator("body")).not_to_contain_text("pat-na1-secret")
    screenshot(page, "credentials.png")


def test_failed_deliveries_are_replayed_together_with_progress(
    page: Page, server: str, threaded_target: Target
) -> None:
    threaded_target.route("POST", "/c", status=503, json={"message": "down"})
    page.goto(f"{server}/endpoints/new")
    page.get_by_label("Name", exact=True).fill("Flaky CRM")
    page.get_by_role("button", name="Create endpoint").click()
    listener_url = page.get_by_role("textbox", name="Listener URL").input_value()
    assert post_sample(listener_url) == 200
    page.get_by_role("link", name="Add an action").click()
    page.get_by_label("URL", exact=True).fill(f"{threaded_target.url}/c")
    page.locator("#input-field-0-name").fill("email")
    page.locator(".sample-picker").get_by_role("button", name=re.compile(r"^Use email \(")).click()
    page.get_by_role("button", name="Save action").click()
    expect(page.get_by_text("Action saved.")).to_be_visible()
    for number in range(3):
        assert post_failing_contact(listener_url, f"replay{number}") == 502
    threaded_target.route("POST", "/c", status=201, json={"id": "7"})

    page.goto(f"{server}/endpoints/flaky-crm/deliveries?status=failed")
    page.get_by_role("button", name="Replay these events…").click()
    page.get_by_role("button", name="Replay 3 events").click()

    expect(page.locator("#replay-counts")).to_have_text(
        "3 of 3 replayed: 3 delivered, 0 failed", timeout=20_000
    )
    screenshot(page, "replay-done.png")
    assert len(threaded_target.requests_to("/c")) == 3 + 3
