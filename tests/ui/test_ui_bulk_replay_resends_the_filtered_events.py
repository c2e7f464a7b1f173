"""Replaying a filtered set sends exactly the events the filter matches again, and counts them."""

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


async def statuses() -> dict[str | None, str]:
    return {event.transactionid: event.status for event in await Event.all()}


async def send_mixed_events(
    client: httpx.AsyncClient, target: Target, create_endpoint: CreateEndpoint, switch: Switch
) -> str:
    """HubSpot: h-ok delivered, h-1..h-3 failed; Other: o-1 failed. HubSpot's key."""
    target.route("POST", "/c", switch)
    hubspot = await create_endpoint("HubSpot contacts", actions=create_action(target))
    other = await create_endpoint("Other", actions=create_action(target))
    switch.failing = False
    await send(client, hubspot, "h-ok")
    switch.failing = True
    for transactionid in ("h-1", "h-2", "h-3"):
        await send(client, hubspot, transactionid)
    await send(client, other, "o-1")
    assert await statuses() == {
        "h-ok": "delivered",
        "h-1": "failed",
        "h-2": "failed",
        "h-3": "failed",
        "o-1": "failed",
    }
    return await endpoint_key("HubSpot contacts")


@pytest.mark.parametrize(
    ("path", "query", "question"),
    [
        (
            "/endpoints/KEY/deliveries/replay",
            "?status=failed",
            "Replay 3 failed events of HubSpot contacts?",
        ),
        ("/endpoints/KEY/deliveries/replay", "", "Replay 4 events of HubSpot contacts?"),
        (
            "/endpoints/KEY/deliveries/replay",
            "?status=failed&q=h-2",
            "Replay 1 failed event of HubSpot contacts matching “h-2”?",
        ),
        (
            "/endpoints/KEY/deliveries/replay",
            "?q=H-OK@EXAMPLE.COM",
            "Replay 1 event of HubSpot contacts matching “H-OK@EXAMPLE.COM”?",
        ),
        ("/deliveries/replay", "?status=failed", "Replay 4 failed events of every endpoint?"),
        (
            "/deliveries/replay",
            "?status=failed&period=today",
            "Replay 4 failed events of every endpoint from today (UTC)?",
        ),
    ],
)
async def test_the_question_counts_the_events_the_filter_matches(
    client: httpx.AsyncClient,
    target: Target,
    create_endpoint: CreateEndpoint,
    path: str,
    query: str,
    question: str,
) -> None:
    key = await send_mixed_events(client, target, create_endpoint, Switch())

    page = await client.get(path.replace("KEY", key) + query)

    assert page.status_code == 200
    assert question in html.unescape(page.text)
    assert "current mapping" in html.unescape(page.text)


async def test_a_failed_set_is_sent_again_and_delivered_and_nothing_else_is_sent(
    client: httpx.AsyncClient, target: Target, create_endpoint: CreateEndpoint
) -> None:
    switch = Switch()
    key = await send_mixed_events(client, target, create_endpoint, switch)
    before = len(target.requests)
    switch.failing = False

    job_url = await start(client, await csrf_token(client), endpoint=key, status="failed")
    page = await wait_until_ended(client, job_url)

    resent = target.requests[before:]
    assert sorted(request.transactionid or "" for request in resent) == ["h-1", "h-2", "h-3"]
    assert state_of(page) == "finished"
    assert counts_of(page) == "3 of 3 replayed: 3 delivered, 0 failed"
    assert await statuses() == {
        "h-ok": "delivered",
        "h-1": "delivered",
        "h-2": "delivered",
        "h-3": "delivered",
        "o-1": "failed",
    }
    assert f'href="/endpoints/{key}/deliveries"' in page  # the results, whatever their status


async def test_the_search_decides_which_events_are_sent_again(
    client: httpx.AsyncClient, target: Target, create_endpoint: CreateEndpoint
) -> None:
    switch = Switch()
    await send_mixed_events(client, target, create_endpoint, switch)
    before = len(target.requests)
    switch.failing = False

    job_url = await start(client, await csrf_token(client), status="failed", q="o-1")
    page = await wait_until_ended(client, job_url)

    assert [request.transactionid for request in target.requests[before:]] == ["o-1"]
    assert counts_of(page) == "1 of 1 replayed: 1 delivered, 0 failed"
    assert (await statuses())["h-1"] == "failed"


async def test_the_counts_say_which_replays_failed_and_link_to_them(
    client: httpx.AsyncClient, target: Target, create_endpoint: CreateEndpoint
) -> None:
    switch = Switch()
    key = await send_mixed_events(client, target, create_endpoint, switch)
    switch.failing = False
    switch.failing_ids = {"h-2"}

    job_url = await start(client, await csrf_token(client), endpoint=key, status="failed")
    page = await wait_until_ended(client, job_url)

    assert counts_of(page) == "3 of 3 replayed: 2 delivered, 1 failed"
    assert "Replay finished." in page
    assert f'href="/endpoints/{key}/deliveries?status=failed">See the ones that failed' in page
    failed_log = await client.get(f"/endpoints/{key}/deliveries", params={"status": "failed"})
    assert "h-2@example.com" in failed_log.text
    assert "h-1@example.com" not in failed_log.text
