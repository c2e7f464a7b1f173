"""Starting and cancelling a bulk replay need the CSRF token: a forged form changes nothing."""

from __future__ import annotations

import httpx
import pytest
from bulk_replay_support import (
    Switch,
    counts_of,
    create_action,
    send,
    start,
    state_of,
    wait_until_ended,
)
from support.target import Target
from ui_support import CreateEndpoint, csrf_token

pytestmark = pytest.mark.postgres


async def test_a_forged_start_replays_nothing(
    client: httpx.AsyncClient, target: Target, create_endpoint: CreateEndpoint
) -> None:
    target.route("POST", "/c", status=500)
    listener = await create_endpoint("Guarded", actions=create_action(target))
    await send(client, listener, "g-1")
    await client.get("/deliveries")  # the browser has its cookie, the forger no token

    refused = await client.post("/replays", data={"status": "failed"})
    question = await client.get("/deliveries/replay", params={"status": "failed"})

    assert refused.status_code == 403
    assert len(target.requests) == 1
    assert "Replay 1 failed event of every endpoint?" in question.text  # nothing is running


async def test_a_forged_cancel_leaves_the_replay_running(
    client: httpx.AsyncClient, target: Target, create_endpoint: CreateEndpoint
) -> None:
    switch = Switch()
    target.route("POST", "/c", switch)
    listener = await create_endpoint("Guarded", actions=create_action(target))
    await send(client, listener, "g-1")
    switch.failing = False
    switch.hold()
    try:
        job_url = await start(client, await csrf_token(client), status="failed")
        await target.wait_for_requests(2, within=60)
        refused = await client.post(f"{job_url}/cancel")
        running = await client.get(job_url)
    finally:
        switch.release()
    page = await wait_until_ended(client, job_url)

    assert refused.status_code == 403
    assert state_of(running.text) == "running"
    assert state_of(page) == "finished"
    assert counts_of(page) == "1 of 1 replayed: 1 delivered, 0 failed"
