"""One of the endpoint's recent events can be pinned as its sample; a pinned sample stays
when new events arrive, until "Back to the latest event"."""

from __future__ import annotations

import re

import httpx
import pytest
from ui_support import CreateEndpoint, csrf_token

from server.samples import current_sample
from server.store import queries
from server.store.models import Endpoint

pytestmark = pytest.mark.postgres

HTMX = {"HX-Request": "true", "HX-Target": "sample-area"}
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


async def send(client: httpx.AsyncClient, listener: str, email: str) -> str:
    """Post a contact to the listener; the event's id."""
    response = await client.post(listener, content=f"contact[email]={email}", headers=FORM)
    assert response.status_code == 200
    return response.headers["X-Switchboard-Event"]


async def submit(
    client: httpx.AsyncClient, path: str, headers: dict[str, str] | None = None, **fields: str
) -> httpx.Response:
    data = {"_csrf_token": await csrf_token(client), **fields}
    return await client.post(path, data=data, headers=headers or {})


async def endpoint(key: str) -> Endpoint:
    found = await queries.endpoint_by_key(key)
    assert found is not None
    return found


def shown_sample(html: str) -> str:
    """The ``#sample`` part of a page or partial: what is shown as the sample."""
    found = re.search(r'<div id="sample" class="sample">(.*?)<div id="sample-tools"', html, re.S)
    assert found is not None, html
    return found.group(1)


async def test_recent_events_are_offered_newest_first(
    client: httpx.AsyncClient, create_endpoint: CreateEndpoint
) -> None:
    listener = await create_endpoint("Leads")
    await send(client, listener, "old@example.com")
    await send(client, listener, "new@example.com")

    page = (await client.get("/endpoints/leads")).text

    assert "<summary>Use another sample</summary>" in page
    assert "Or pick a recent event" in page
    assert page.index("new@example.com</td>") < page.index("old@example.com</td>")
    assert page.count(">Use this one<") == 2


async def test_a_picked_event_stays_the_sample_until_going_back_to_the_latest(
    client: httpx.AsyncClient, create_endpoint: CreateEndpoint
) -> None:
    listener = await create_endpoint("Leads")
    older = await send(client, listener, "old@example.com")
    await send(client, listener, "new@example.com")

    picked = await submit(client, "/endpoints/leads/sample/event", HTMX, event_id=older)

    assert picked.status_code == 200
    assert "<strong>Chosen event</strong>" in picked.text
    assert "old@example.com" in shown_sample(picked.text)
    assert "That event is the sample now" in picked.text
    assert picked.text.count(">Use this one<") == 1
    assert "In use" in picked.text
    sample = await current_sample(await endpoint("leads"))
    assert sample is not None
    assert (sample.source, sample.event_id) == ("event", older)
    assert sample.received_at is not None

    await send(client, listener, "newest@example.com")
    page = (await client.get("/endpoints/leads")).text
    assert "old@example.com" in shown_sample(page)

    back = await submit(client, "/endpoints/leads/sample/unpin", HTMX)
    assert back.status_code == 200
    assert "Latest contact, received" in back.text
    assert "newest@example.com" in shown_sample(back.text)
    assert "Back to the latest event." in back.text
    leads = await endpoint("leads")
    assert leads.sample is None
    sample = await current_sample(leads)
    assert sample is not None
    assert sample.source == "latest event"


async def test_without_javascript_picking_goes_back_to_the_page(
    client: httpx.AsyncClient, create_endpoint: CreateEndpoint
) -> None:
    listener = await create_endpoint("Leads")
    older = await send(client, listener, "old@example.com")
    await send(client, listener, "new@example.com")

    picked = await submit(client, "/endpoints/leads/sample/event", event_id=older)
    page = (await client.get("/endpoints/leads")).text
    back = await submit(client, "/endpoints/leads/sample/unpin")

    assert (picked.status_code, back.status_code) == (303, 303)
    assert picked.headers["location"] == back.headers["location"] == "/endpoints/leads"
    assert "old@example.com" in shown_sample(page)
    assert "Back to the latest event" in page


async def test_another_endpoints_event_cannot_be_picked(
    client: httpx.AsyncClient, create_endpoint: CreateEndpoint
) -> None:
    await create_endpoint("Leads")
    other = await create_endpoint("Other")
    foreign = await send(client, other, "secret@example.com")

    for event_id in (foreign, "not-an-id"):
        refused = await submit(client, "/endpoints/leads/sample/event", HTMX, event_id=event_id)

        assert refused.status_code == 422
        assert "That event is not there any more" in refused.text
        assert "secret@example.com" not in refused.text
    assert (await endpoint("leads")).sample is None


async def test_a_pasted_sample_with_no_event_to_go_back_to_returns_to_waiting(
    client: httpx.AsyncClient, create_endpoint: CreateEndpoint
) -> None:
    await create_endpoint("Leads")
    await submit(
        client, "/endpoints/leads/sample/paste", HTMX, method="POST", text="contact[email]=a@b.co"
    )

    back = await submit(client, "/endpoints/leads/sample/unpin", HTMX)

    assert "Waiting for a sample" in back.text
    assert 'hx-trigger="every 2s"' in back.text
    assert "waiting for one from your platform" in back.text


async def test_an_unknown_endpoint_has_no_sample_to_change(client: httpx.AsyncClient) -> None:
    response = await submit(client, "/endpoints/nothing/sample/unpin")
    assert response.status_code == 404


async def test_an_event_too_large_to_keep_is_not_pinned(
    client: httpx.AsyncClient, create_endpoint: CreateEndpoint
) -> None:
    listener = await create_endpoint("Leads")
    big = await send(client, listener, "big@example.com&notes=" + "n" * 1_100_000)

    refused = await submit(client, "/endpoints/leads/sample/event", HTMX, event_id=big)

    assert refused.status_code == 422
    assert "This event is too large to keep as the sample" in refused.text
    assert "Latest contact, received" in refused.text
    assert (await endpoint("leads")).sample is None


async def test_a_stored_sample_that_cannot_be_read_gives_way_to_the_latest_event(
    client: httpx.AsyncClient, create_endpoint: CreateEndpoint
) -> None:
    listener = await create_endpoint("Leads")
    await send(client, listener, "real@example.com")
    leads = await endpoint("leads")
    await queries.save_endpoint_sample(str(leads.id), {"source": "somewhere", "payload": 3})

    page = (await client.get("/endpoints/leads")).text

    assert "real@example.com" in shown_sample(page)
    sample = await current_sample(await endpoint("leads"))
    assert sample is not None
    assert sample.source == "latest event"
