"""Every page passes axe-core's WCAG 2 A and AA checks, and the builder fits a tablet.

axe-core is the engine browsers' own accessibility audits use; it runs inside Chromium on
each page as a person would see it (with a sample, an action, a delivery, a credential).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect
from support.target import Target
from test_browser_first_sample import TABLET, fits_the_width, post_sample

pytestmark = pytest.mark.browser

WCAG_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
MAPPING = """\
switchboard: 1
endpoint: {{name: Audited}}
credentials: {{crm: {{type: bearer}}}}
actions:
  - name: create contact
    when: {{path: $.body.contact.email, op: present}}
    request: {{url: "{url}/contacts", credential: crm}}
    fields:
      properties.email: {{from: $.body.contact.email, transform: [trim, lower]}}
      properties.company: {{from: "$.field['Company']", default: unknown}}
    response: {{crm_id: $.id}}
"""


def import_mapping(tmp_path: Path, target: Target) -> None:
    """Import the mapping into the served instance's database, as an operator would."""
    mapping = tmp_path / "audited.yaml"
    mapping.write_text(MAPPING.format(url=target.url), encoding="utf-8")
    environment = {**os.environ, "SWITCHBOARD_DATA_DIR": str(tmp_path / "data")}
    for command in (["import", str(mapping)], ["credential", "set", "crm"]):
        subprocess.run(
            [sys.executable, "-m", "server.cli", *command],
            env=environment,
            input="token-1",
            text=True,
            check=True,
            capture_output=True,
        )


def violations(page: Page) -> list[str]:
    results = Axe().run(page, options=WCAG_AA)
    return [
        f"{violation['id']}: {violation['help']} ({len(violation['nodes'])} elements)"
        for violation in results.response["violations"]
    ]


def test_every_page_meets_wcag_aa(
    page: Page, server: str, threaded_target: Target, tmp_path: Path
) -> None:
    threaded_target.route("POST", "/contacts", status=201, json={"id": "9"})
    import_mapping(tmp_path, threaded_target)
    page.goto(f"{server}/endpoints/audited")
    listener_url = page.get_by_role("textbox", name="Listener URL").input_value()
    assert post_sample(listener_url) == 200
    page.goto(f"{server}/deliveries")
    page.get_by_role("row").filter(has_text="Audited").get_by_role("link").first.click()
    event_page = page.url

    pages = [
        "/",
        "/endpoints/new",
        "/endpoints/audited",
        "/endpoints/audited/actions/1",
        "/endpoints/audited/actions/new",
        "/deliveries",
        event_page.removeprefix(server),
        "/credentials",
        "/credentials/new",
        "/mappings",
    ]
    found = {}
    for path in pages:
        page.goto(f"{server}{path}")
        expect(page.locator("main")).to_be_visible()
        found[path] = violations(page)

    page.goto(f"{server}/endpoints/audited/actions/1")
    page.get_by_role("button", name="Send test").click()
    expect(page.locator("#test-result")).to_contain_text("HTTP 201")
    found["the builder after Send test"] = violations(page)

    assert {path: problems for path, problems in found.items() if problems} == {}
    # The check itself works: an input without a label is reported.
    page.evaluate("document.querySelector('main').append(document.createElement('input'))")
    assert any(problem.startswith("label:") for problem in violations(page))


def test_the_builder_fits_a_tablet(
    page: Page, server: str, threaded_target: Target, tmp_path: Path
) -> None:
    import_mapping(tmp_path, threaded_target)
    page.set_viewport_size(TABLET)
    page.goto(f"{server}/endpoints/audited")
    assert post_sample(page.get_by_role("textbox", name="Listener URL").input_value()) == 200

    page.goto(f"{server}/endpoints/audited/actions/1")

    expect(page.get_by_role("heading", name="Request for this sample")).to_be_visible()
    assert fits_the_width(page)
