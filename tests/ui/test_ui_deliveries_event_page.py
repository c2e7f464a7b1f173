"""The event page shows what arrived, every attempt (secrets redacted) and the answer, escaped."""

from __future__ import annotations

import json
import re
from urllib.parse import urlencode

import httpx
import pytest
from deliveries_support import FORM
from support.target import Target
from ui_support import CreateEndpoint

from server.pipeline import EVENT_HEADER
from server.store import queries
from server.web.events import RAW_BODY_SHOWN_BYTES

pytestmark = pytest.mark.postgres

HOSTILE = "<script>alert(1)</script>"
TOKEN = "tok-very-s3cret-bearer"


async def test_the_event_shows_the_attempt_and_answer_without_the_credential(
    client: httpx.AsyncClient, create_endpoint: CreateEndpoint, target: Target
) -> None:
    target.route("POST", "/contacts", status=201, json={"id": "003abc", "note": HOSTILE})
    listener = await create_endpoint(
        "CRM",
        credentials={"crm": {"type": "bearer"}},
        actions=[
            {
                "name": "create contact",
                "request": {"url": f"{target.url}/contacts", "credential": "crm"},
                "fields": {"email": {"from": "$.body.contact.email"}},
                "response": {"crm_id": "$.id"},
            }
        ],
    )
    await queries.save_credential("crm", "bearer", {}, {"token": TOKEN})
    body = urlencode({"contact[email]": HOSTILE, "transactionid": "t-1"})

    answer = await client.post(listener, content=body, headers=FORM)
    page = await client.get(f"/events/{answer.headers[EVENT_HEADER]}")

    assert answer.json() == {"crm_id": "003abc"}
    assert target.requests[0].headers["Authorization"] == f"Bearer {TOKEN}"
    html = page.text
    assert page.status_code == 200
    assert TOKEN not in html
    assert "[redacted]" in html
    assert "create contact" in html
    assert f"POST {target.url}/contacts" in html
    assert "Response: HTTP 201" in html
    assert "&#34;crm_id&#34;: &#34;003abc&#34;" in html  # the answer to the platform, as JSON
    assert "HTTP <strong>200</strong>" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # payload tree, raw body, bodies
    assert "<script>alert" not in html
    assert 'href="/endpoints/crm/deliveries"' in html


async def test_a_failed_attempt_says_what_went_wrong_in_plain_words(
    client: httpx.AsyncClient, create_endpoint: CreateEndpoint, target: Target
) -> None:
    target.route("POST", "/broken", status=500, json={"error": "down"})
    listener = await create_endpoint(
        "Broken", actions=[{"name": "call", "request": {"url": f"{target.url}/broken"}}]
    )

    answer = await client.post(listener, content=b"contact[email]=a@b.c", headers=FORM)
    html = (await client.get(f"/events/{answer.headers[EVENT_HEADER]}")).text

    assert '<span class="status failed">Failed</span>' in html
    assert "An action failed" in html
    assert "Response: HTTP 500" in html
    assert "HTTP <strong>502</strong>" in html
    assert "the target answered HTTP 500" in html


async def test_a_large_raw_body_is_cut_for_display_with_a_note(
    client: httpx.AsyncClient, create_endpoint: CreateEndpoint
) -> None:
    listener = await create_endpoint("Big")
    body = "note=" + "a" * (RAW_BODY_SHOWN_BYTES + 95)

    answer = await client.post(listener, content=body, headers=FORM)
    html = (await client.get(f"/events/{answer.headers[EVENT_HEADER]}")).text

    shown = re.search(r'aria-label="Raw body">([^<]*)</pre>', html)
    assert shown is not None
    assert shown.group(1) == body[:RAW_BODY_SHOWN_BYTES]
    assert f"Showing the first {RAW_BODY_SHOWN_BYTES} of {len(body)} bytes" in html


async def test_flags_are_explained_in_plain_words(
    client: httpx.AsyncClient, create_endpoint: CreateEndpoint
) -> None:
    listener = await create_endpoint("Sniffed")
    body = json.dumps({"contact": {"email": "a@b.c"}})

    answer = await client.post(listener, content=body, headers=FORM)
    html = (await client.get(f"/events/{answer.headers[EVENT_HEADER]}")).text

    assert "sniffed_json" in html
    assert "it held a JSON object, so Switchboard read it as JSON" in html


@pytest.mark.parametrize("event_id", ["nope", "01a20000-0000-7000-8000-000000000000"])
async def test_an_unknown_event_is_not_found(client: httpx.AsyncClient, event_id: str) -> None:
    assert (await client.get(f"/events/{event_id}")).status_code == 404
