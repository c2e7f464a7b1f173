"""Steps 3 to 7 of the journey in a real browser: from a captured sample to a working mapping.

A marketer creates an endpoint, sends one sample, and builds a HubSpot-style action with
clicks only: picks values from the sample, adds a transform and a condition, creates the
credential inline, watches the request preview, sends a test to a loopback "HubSpot", picks
the key to send back from its answer, and saves. The platform's next request then gets the
key, and the delivery opens with its real attempt.

Screenshots follow test_browser_first_sample.py (docs/images/ with
``SWITCHBOARD_UPDATE_SCREENSHOTS=1``).
"""

from __future__ import annotations

import json
import re
import urllib.request

import pytest
from playwright.sync_api import Locator, Page, expect
from support.target import Target
from test_browser_first_sample import IMAGES, SAMPLE, post_sample, screenshot

pytestmark = pytest.mark.browser

TOKEN = "pat-na1-journey-token"
HUBSPOT_ANSWER = {"id": "512", "properties": {"email": "jane.doe+bench@example.com"}}
WIDE = {"width": 1440, "height": 1000}


def shot(locator: Locator, name: str) -> None:
    """A screenshot of one part of the page (the builder is taller than any screen)."""
    IMAGES.mkdir(parents=True, exist_ok=True)
    locator.screenshot(path=IMAGES / name)


def post_contact(url: str, transactionid: str) -> tuple[int, dict[str, object]]:
    body = SAMPLE.read_bytes().replace(b"8f1c2a7e-5b3d", transactionid.encode())
    request = urllib.request.Request(
        url, data=body, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return int(response.status), json.loads(response.read())


def pick(page: Page, label: str) -> None:
    """Click a value in the sample tree (its button is named "Use <label> (<value>)")."""
    picker = page.locator(".sample-picker")
    picker.get_by_role("button", name=re.compile(rf"^Use {re.escape(label)} \(")).click()


def test_a_marketer_builds_a_working_mapping_from_the_sample(
    page: Page, server: str, threaded_target: Target
) -> None:
    threaded_target.route("POST", "/crm/v3/objects/contacts", status=201, json=HUBSPOT_ANSWER)
    page.set_viewport_size(WIDE)
    page.goto(f"{server}/endpoints/new")
    page.get_by_label("Name", exact=True).fill("HubSpot contacts")
    page.get_by_role("button", name="Create endpoint").click()
    listener_url = page.get_by_role("textbox", name="Listener URL").input_value()
    assert post_sample(listener_url) == 200
    expect(page.get_by_text("A sample arrived")).to_be_visible(timeout=10_000)

    # Step 4: the request.
    page.get_by_role("link", name="Add an action").click()
    expect(page.get_by_role("heading", name="New action")).to_be_visible()
    page.get_by_label("Action name").fill("Create contact")
    page.get_by_label("URL", exact=True).fill(f"{threaded_target.url}/crm/v3/objects/contacts")
    page.get_by_text("New credential", exact=True).click()
    new_credential = page.locator(".new-credential")
    new_credential.get_by_label("Credential name").fill("hubspot")
    new_credential.get_by_label("How the API expects it").select_option("bearer")
    new_credential.get_by_label("Token or key").fill(TOKEN)
    page.get_by_role("button", name="Create the credential and use it").click()
    expect(page.get_by_label("Credential", exact=True)).to_have_value("hubspot")
    expect(page.locator("body")).not_to_contain_text(TOKEN)

    # Step 3: pick fields. The empty first row is being edited: the pick fills it.
    page.locator("#input-field-0-name").fill("properties.email")
    pick(page, "email")
    expect(page.locator("#input-field-0-source")).to_have_value("$.body.contact.email")
    page.locator("#input-field-0-newstep").select_option("lower")
    page.get_by_role("button", name="Add the chosen transform to properties.email").click()
    expect(page.locator("#row-field-0 .step")).to_contain_text("lower")
    # With no row being edited, each pick adds a row; the keyboard works as well as the mouse.
    page.get_by_label("URL", exact=True).click()
    pick(page, "First Name")
    page.locator("#input-field-1-name").fill("properties.firstname")
    page.get_by_label("URL", exact=True).click()
    page.locator(".sample-picker").get_by_role(
        "button", name=re.compile(r"^Use Company \(")
    ).focus()
    page.keyboard.press("Enter")
    page.locator("#input-field-2-name").fill("properties.company")

    # A condition: only when an email is present.
    page.get_by_role("button", name="Add a condition").click()
    expect(page.locator("#input-condition-0-path")).to_be_focused()
    pick(page, "email")
    expect(page.locator("#input-condition-0-path")).to_have_value("$.body.contact.email")

    # Step 5: the live preview, secret masked.
    preview = page.locator("#preview")
    expect(preview).to_contain_text('"firstname": "Jane"')
    expect(preview).to_contain_text('"company": "Acme Widgets & Co."')
    expect(preview).to_contain_text("[redacted]")
    expect(preview).not_to_contain_text(TOKEN)
    shot(page.locator(".builder"), "builder-rules.png")

    page.get_by_role("button", name="Send test").click()
    test_result = page.locator("#test-result")
    expect(test_result).to_contain_text("HTTP 201")
    assert threaded_target.requests[-1].headers["Authorization"] == f"Bearer {TOKEN}"

    # Step 6: pick the key to send back from the answer, and name it.
    test_result.get_by_role("button", name=re.compile(r"^Use id \(512\)")).click()
    expect(page.locator("#input-key-0-source")).to_have_value("$.id")
    page.locator("#input-key-0-name").fill("hubspot_id")
    shot(page.locator(".builder-side"), "builder-test.png")

    page.get_by_role("button", name="Save action").click()
    expect(page).to_have_url(re.compile(r"/endpoints/hubspot-contacts\?done=saved$"))
    expect(page.get_by_text("Action saved.")).to_be_visible()
    expect(page.get_by_role("link", name="Create contact", exact=True)).to_be_visible()
    screenshot(page, "endpoint-actions.png")

    # The platform's next contact is delivered with the saved mapping, and gets its key.
    sent_before = len(threaded_target.requests)
    assert post_contact(listener_url, "journey-2") == (200, {"hubspot_id": "512"})
    delivered = threaded_target.requests[sent_before]
    assert delivered.json == {
        "properties": {
            "email": "jane.doe+bench@example.com",
            "firstname": "Jane",
            "company": "Acme Widgets & Co.",
        }
    }

    # Step 7: the delivery opens with its real attempt and the answer.
    page.get_by_role("link", name="Deliveries", exact=True).first.click()
    page.get_by_role("row").filter(has_text="journey-2").get_by_role("link").first.click()
    expect(page.get_by_role("heading", name="Answer to the platform")).to_be_visible()
    expect(page.get_by_text("HTTP 201").first).to_be_visible()
    expect(page.locator("body")).not_to_contain_text(TOKEN)
    screenshot(page, "event.png")
