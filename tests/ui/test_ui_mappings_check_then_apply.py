"""A valid file is summarised before anything changes; Apply imports it; again, it updates."""

from __future__ import annotations

import re

import httpx
import pytest
from mappings_support import apply, check

from server.store import queries

pytestmark = pytest.mark.postgres

FIRST = """\
switchboard: 1
endpoint:
  name: CRM contacts
credentials:
  crm:
    type: bearer
actions:
  - name: upsert contact
    request:
      url: https://crm.example.com/contacts
      credential: crm
    fields:
      email: {from: $.body.contact.email}
  - name: tag contact
    request:
      url: https://crm.example.com/tags
---
switchboard: 1
endpoint:
  name: Newsletter
"""
SECOND = (
    FIRST.replace("email: {from: $.body.contact.email}", "phone: {from: $.body.contact.phone}")
    .replace("  - name: tag contact\n", "  - name: tag contact\n    when: $.body.contact.email\n")
    .replace("  name: Newsletter\n", "  name: Newsletter\n  description: Weekly news\n")
    + """\
actions:
  - name: subscribe
    request:
      url: https://mail.example.com/subscribers
"""
)
LISTENER = re.compile(r'value="(http://127\.0\.0\.1:8000/hooks/[\w-]{20,})"')


@pytest.mark.parametrize("htmx", [True, False])
async def test_a_new_file_is_summarised_then_applied_with_its_listener_urls(
    client: httpx.AsyncClient, htmx: bool
) -> None:
    checked = await check(client, FIRST, htmx=htmx)

    assert checked.status_code == 200
    html = checked.text
    assert "No problems found. Applying it will:" in html
    assert "create the new endpoint “CRM contacts”</strong>" in html
    assert "(key crm-contacts)</span> with 2 actions." in html
    assert "create the new endpoint “Newsletter”</strong>" in html
    assert "<h4>Credentials</h4>" in html
    assert "“crm” does not exist yet: it will be created without a secret" in html
    assert await queries.list_endpoints() == []

    applied = await apply(client, html, htmx=htmx)

    assert applied.status_code == 200
    stored = {row.key: row for row in await queries.list_endpoints()}
    assert sorted(stored) == ["crm-contacts", "newsletter"]
    urls = LISTENER.findall(applied.text)
    assert urls == [f"http://127.0.0.1:8000/hooks/{stored[key].token}" for key in sorted(stored)]
    assert "Credential “crm” needs its secret" in applied.text
    assert "switchboard credential set crm" in applied.text
    assert "Imported 2 endpoints." in applied.text
    if htmx:
        assert 'hx-swap-oob="true"' in applied.text  # the download list shows the new endpoints
        assert 'href="/mappings/export" download>Download all (2 endpoints)' in applied.text


async def test_a_second_import_shows_what_changes_and_updates_in_place(
    client: httpx.AsyncClient,
) -> None:
    await apply(client, (await check(client, FIRST)).text)
    before = {row.key: row.token for row in await queries.list_endpoints()}

    html = (await check(client, SECOND)).text

    assert "update “CRM contacts”</strong>" in html
    assert "actions 2 → 2" in html
    assert "action “upsert contact” changed: fields added: phone; fields removed: email" in html
    assert "action “tag contact” changed: condition" in html
    assert "update “Newsletter”</strong>" in html
    assert "actions 0 → 1" in html
    assert "action “subscribe” added" in html
    assert "settings changed: description" in html
    assert "“crm” does not exist yet" not in html
    assert "“crm” exists but has no secret yet" in html

    await apply(client, html)

    after = await queries.list_endpoints()
    assert {row.key: row.token for row in after} == before
    newsletter = await queries.endpoint_by_key("newsletter")
    assert newsletter is not None
    assert newsletter.document["endpoint"]["description"] == "Weekly news"


async def test_checking_the_same_file_again_says_nothing_changes(
    client: httpx.AsyncClient,
) -> None:
    await queries.save_credential("crm", "bearer", {}, {"token": "set"})
    await apply(client, (await check(client, FIRST)).text)

    html = (await check(client, FIRST)).text

    assert "leave “CRM contacts” as it is</strong>" in html
    assert "leave “Newsletter” as it is</strong>" in html
    assert "<h4>Credentials</h4>" not in html


async def test_apply_checks_the_text_again_and_imports_nothing_broken(
    client: httpx.AsyncClient,
) -> None:
    page = (await check(client, FIRST)).text
    tampered = page.replace("url: https://crm.example.com/tags", "urll: nowhere")

    response = await apply(client, tampered)

    assert response.status_code == 422
    assert "unknown setting &#39;urll&#39;" in response.text
    assert await queries.list_endpoints() == []
