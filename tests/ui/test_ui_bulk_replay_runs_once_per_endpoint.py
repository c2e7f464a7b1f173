"""While a replay runs, another that could send the same events is refused, with a link to it."""

from __future__ import annotations

import html

import httpx
import pytest
from bulk_replay_support import Switch, create_action, endpoint_key, send, start, wait_until_ended
from support.target import Target
from ui_support import CreateEndpoint, csrf_token

pytestmark = pytest.mark.postgres


async def test_a_second_replay_of_the_same_events_points_to_the_running_one(
    client: httpx.AsyncClient, target: Target, create_endpoint: CreateEndpoint
) -> None:
    switch = Switch()
    target.route("POST", "/c", switch)
    first = await create_endpoint("First", actions=create_action(target))
    second = await create_endpoint("Second", actions=create_action(target))
    await send(client, first, "f-1")
    await send(client, second, "s-1")
    key = await endpoint_key("First")
    other_key = await endpoint_key("Second")
    switch.failing = False
    switch.hold()
    token = await csrf_token(client)
    try:
        job_url = await start(client, token, endpoint=key, status="failed")
        await target.wait_for_requests(3, within=60)
        again = await client.post(
            "/replays", data={"_csrf_token": token, "endpoint": key, "status": "failed"}
        )
        same = await client.get(f"/endpoints/{key}/deliveries/replay?status=failed")
        wider = await client.get("/deliveries/replay")
        elsewhere = await client.get(f"/endpoints/{other_key}/deliveries/replay?status=failed")
    finally:
        switch.release()
    await wait_until_ended(client, job_url)
    afterwards = await client.get(f"/endpoints/{key}/deliveries/replay")

    assert again.status_code == 409
    assert "A replay of these events is already running" in again.text
    assert f'href="{job_url}">See its progress' in again.text
    assert "A replay of these events is already running" in same.text
    assert "Another replay is already running" in wider.text
    assert f'href="{job_url}"' in wider.text
    assert "Replay 1 failed event of Second?" in html.unescape(elsewhere.text)
    assert "Replay 1 event of First?" in afterwards.text
    assert len(target.requests) == 3  # the refused replay sent nothing
