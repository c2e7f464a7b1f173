"""Cancelling a bulk replay stops it taking new events; the replays under way finish."""

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

from server.replays import REPLAY_CONCURRENCY
from server.store.models import Event

pytestmark = pytest.mark.postgres

EVENTS = 10


async def test_a_cancelled_replay_sends_no_more_and_says_how_many_were_done(
    client: httpx.AsyncClient, target: Target, create_endpoint: CreateEndpoint
) -> None:
    switch = Switch()
    target.route("POST", "/c", switch)
    listener = await create_endpoint("Slow CRM", actions=create_action(target))
    for number in range(EVENTS):
        await send(client, listener, f"s-{number}")
    key = await endpoint_key("Slow CRM")
    switch.failing = False
    switch.hold()
    token = await csrf_token(client)
    try:
        job_url = await start(client, token, endpoint=key, status="failed")
        await target.wait_for_requests(EVENTS + REPLAY_CONCURRENCY, within=60)

        cancelled = await client.post(f"{job_url}/cancel", data={"_csrf_token": token})
        stopping = await client.get(job_url)
    finally:
        switch.release()
    page = await wait_until_ended(client, job_url)

    assert cancelled.status_code == 303
    assert cancelled.headers["location"] == job_url
    assert state_of(stopping.text) == "stopping"
    assert state_of(page) == "cancelled"
    done = REPLAY_CONCURRENCY
    assert counts_of(page) == f"{done} of {EVENTS} replayed: {done} delivered, 0 failed"
    assert f"the other {EVENTS - done} were not sent again" in html.unescape(page)
    assert len(target.requests) == EVENTS + done
    delivered = await Event.filter(status="delivered").count()
    assert delivered == done


async def test_htmx_cancel_answers_with_the_panel_and_it_keeps_polling_until_stopped(
    client: httpx.AsyncClient, target: Target, create_endpoint: CreateEndpoint
) -> None:
    switch = Switch()
    target.route("POST", "/c", switch)
    listener = await create_endpoint("Held", actions=create_action(target))
    await send(client, listener, "held-1")
    switch.failing = False
    switch.hold()
    token = await csrf_token(client)
    try:
        job_url = await start(client, token, status="failed")
        await target.wait_for_requests(2, within=60)
        panel = await client.post(
            f"{job_url}/cancel", headers={"HX-Request": "true", "x-csrftoken": token}
        )
    finally:
        switch.release()
    await wait_until_ended(client, job_url)

    assert panel.status_code == 200
    assert panel.text.lstrip().startswith('<section id="replay-progress"')
    assert 'data-state="stopping"' in panel.text
    assert 'hx-trigger="every 1s"' in panel.text
    assert "Stop replaying" not in panel.text
