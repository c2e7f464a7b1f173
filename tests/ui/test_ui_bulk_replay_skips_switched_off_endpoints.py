"""Events of a switched-off endpoint are skipped, counted with the reason, and nothing is sent."""

from __future__ import annotations

import html

import httpx
import pytest
from bulk_replay_support import (
    Switch,
    counts_of,
    create_action,
    endpoint_key,
    send,
    start,
    state_of,
    wait_until_ended,
)
from support.target import Target
from ui_support import CreateEndpoint, csrf_token

from server.store.models import Event

pytestmark = pytest.mark.postgres


async def test_a_switched_off_endpoints_events_are_skipped_with_the_reason(
    client: httpx.AsyncClient, target: Target, create_endpoint: CreateEndpoint
) -> None:
    switch = Switch()
    target.route("POST", "/c", switch)
    off = await create_endpoint("Paused CRM", actions=create_action(target))
    on = await create_endpoint("Live CRM", actions=create_action(target))
    await send(client, off, "p-1")
    await send(client, off, "p-2")
    await send(client, on, "l-1")
    token = await csrf_token(client)
    key = await endpoint_key("Paused CRM")
    switched = await client.post(
        f"/endpoints/{key}/enabled", data={"_csrf_token": token, "enabled": "off"}
    )
    assert switched.status_code == 303
    before = len(target.requests)
    switch.failing = False

    job_url = await start(client, token, status="failed")
    page = html.unescape(await wait_until_ended(client, job_url))

    assert state_of(page) == "finished"
    assert counts_of(page) == "3 of 3 replayed: 1 delivered, 0 failed, 2 skipped"
    assert "2 skipped: The event's endpoint is deleted or switched off: nothing was sent." in page
    assert [request.transactionid for request in target.requests[before:]] == ["l-1"]
    assert await Event.filter(status="failed").count() == 2
