"""Journey step 8 in a real browser: paste a preset, check it, apply it, get its listener URL.

Screenshots follow test_browser_first_sample's convention (SWITCHBOARD_UPDATE_SCREENSHOTS=1
writes them to docs/images/).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from test_browser_first_sample import screenshot

pytestmark = pytest.mark.browser

PRESET = Path(__file__).resolve().parents[2] / "mappings" / "json-webhook.yaml"


def test_a_pasted_preset_is_checked_applied_and_gets_its_listener_url(
    page: Page, server: str
) -> None:
    page.goto(server)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Import / export").click()
    expect(page.get_by_role("heading", name="Import / export")).to_be_visible()

    preset = PRESET.read_text(encoding="utf-8")
    page.get_by_label("Or paste it here").fill(
        preset.replace("      url: https", "      adress: https")
    )
    page.get_by_role("button", name="Check").click()

    expect(page.get_by_role("heading", name="2 problems to fix in pasted text")).to_be_focused()
    expect(page.get_by_text("unknown setting 'adress'")).to_be_visible()
    expect(page.get_by_text(re.compile(r"^line \d+:$")).first).to_be_visible()
    screenshot(page, "import-problems.png")

    page.get_by_label("Or paste it here").fill(preset)
    page.get_by_role("button", name="Check").click()

    result = page.get_by_role("heading", name="No problems found. Applying it will:")
    expect(result).to_be_focused()
    expect(page.get_by_text("create the new endpoint “JSON webhook”")).to_be_visible()
    expect(page).to_have_url(f"{server}/mappings")  # checked in place, by htmx
    screenshot(page, "import-check.png")

    page.get_by_role("button", name="Apply").click()

    expect(page.get_by_role("heading", name="Imported")).to_be_focused()
    expect(page.get_by_text("Imported 1 endpoint.")).to_be_visible()
    listener_url = page.get_by_role("textbox", name="Listener URL of JSON webhook").input_value()
    assert re.fullmatch(rf"{re.escape(server)}/hooks/[\w-]+", listener_url)
    expect(page.get_by_role("link", name="Download all (1 endpoint)")).to_be_visible()
    screenshot(page, "import-applied.png")

    page.get_by_role("region", name="Imported").get_by_role("link", name="JSON webhook").click()
    expect(page.get_by_role("heading", name="JSON webhook")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download mapping file").click()
    assert download.value.suggested_filename == "json-webhook.yaml"
    assert "key: json-webhook" in Path(download.value.path()).read_text(encoding="utf-8")
