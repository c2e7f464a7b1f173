"""Replay sends a stored event again with the current mapping and keeps every attempt."""

from __future__ import annotations

import asyncio
import re

import httpx
import pytest
from support.target import Answer, Target
from ui_support import CreateEndpoint, csrf_token

from server.pipeline import EVENT_HEADER
from server.store import queries
from server.store.models import Event

pytestmark = pytest.mark.postgres


def actions(target: Target) -> list[dict[str, object]]:
    return [
        {
            "name": "create",
            "request": {"url": f"{target.url}/c"},
            "fields": {"email": {"from": "$.body.contact.email"}},
            "response": {"crm_id": "$.id"},
        }
    ]


async def test_a_failed_event_replayed_after_the_target_recovers_is_delivered(
    client: httpx.AsyncClient, target: Target, create_endpoint: CreateEndpoint
) -> None:
    target.route("POST", "/c", status=500, json={"message": "down"})
    hook = await create_endpoint("Replayed", actions=actions(target))
    failed = await client.post(hook, data={"transactionid": "r-1", "contact[email]": "a@b.c"})
    assert failed.status_code == 502
    event_id = failed.headers[EVENT_HEADER]
    target.route("POST", "/c", status=201, json={"id": "003"})

    token = await csrf_token(client)
    page = await client.post(f"/events/{event_id}/replay", data={"_csrf_token": token})

    assert page.status_code == 200
    assert "Replayed: every action succeeded" in page.text
    assert [r.json for r in target.requests] == [{"email": "a@b.c"}, {"email": "a@b.c"}]
    stored = await queries.event_with_attempts(event_id)
    assert stored is not None
    event, attempts = stored
    assert (event.status, event.answer_status, event.answer_body) == (
        "delivered",
        200,
        {"crm_id": "003"},
    )
    assert [(a.attempt_no, a.outcome) for a in attempts] == [(1, "failed"), (2, "success")]
    assert re.search(r"create\s*\(try 2\)", page.text)


async def test_replay_needs_a_csrf_token(
    client: httpx.AsyncClient, target: Target, create_endpoint: CreateEndpoint
) -> None:
    target.route("POST", "/c", json={"id": "1"})
    hook = await create_endpoint("Guarded", actions=actions(target))
    event_id = (await client.post(hook, data={"contact[email]": "a@b.c"})).headers[EVENT_HEADER]

    refused = await client.post(f"/events/{event_id}/replay")

    assert refused.status_code == 403
    assert len(target.requests) == 1


async def test_replaying_an_event_of_a_switched_off_endpoint_sends_nothing(
    client: httpx.AsyncClient, target: Target, create_endpoint: CreateEndpoint
) -> None:
    target.route("POST", "/c", json={"id": "1"})
    hook = await create_endpoint("Switched off", actions=actions(target))
    event_id = (await client.post(hook, data={"contact[email]": "a@b.c"})).headers[EVENT_HEADER]
    await create_endpoint(
        "Switched off", actions=actions(target), endpoint={"name": "Switched off", "enabled": False}
    )

    token = await csrf_token(client)
    page = await client.post(f"/events/{event_id}/replay", data={"_csrf_token": token})

    assert page.status_code == 409
    assert "switched off: nothing was sent" in page.text
    assert len(target.requests) == 1


async def test_an_event_being_delivered_is_not_replayed_at_the_same_time(
    client: httpx.AsyncClient, target: Target, create_endpoint: CreateEndpoint
) -> None:
    target.route("POST", "/c", Answer(json={"id": "slow"}, delay=1.0))
    hook = await create_endpoint("Busy", actions=actions(target))
    delivering = asyncio.create_task(client.post(hook, data={"contact[email]": "a@b.c"}))
    await target.wait_for_requests(1)
    received = await Event.first()
    assert received is not None

    token = await csrf_token(client)
    page = await client.post(f"/events/{received.id}/replay", data={"_csrf_token": token})
    delivered = await delivering

    assert page.status_code == 409
    assert "being delivered right now" in page.text
    assert delivered.json() == {"crm_id": "slow"}
    assert len(target.requests) == 1
