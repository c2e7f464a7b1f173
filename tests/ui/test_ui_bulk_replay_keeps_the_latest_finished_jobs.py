"""Finished replays stay open for a while: the latest ones are kept, the oldest forgotten."""

from __future__ import annotations

import httpx
import pytest
from bulk_replay_support import create_action, send, start, wait_until_ended
from support.target import Target
from ui_support import CreateEndpoint, csrf_token

from server.replays import KEPT_FINISHED_JOBS

pytestmark = pytest.mark.postgres


async def test_the_oldest_finished_replay_is_forgotten_first(
    client: httpx.AsyncClient, target: Target, create_endpoint: CreateEndpoint
) -> None:
    target.route("POST", "/c", json={"id": "1"})
    listener = await create_endpoint("Kept", actions=create_action(target))
    await send(client, listener, "k-1")
    token = await csrf_token(client)

    job_urls = []
    for _ in range(KEPT_FINISHED_JOBS + 2):
        job_urls.append(await start(client, token))
        await wait_until_ended(client, job_urls[-1])

    first, *kept = job_urls
    assert (await client.get(first)).status_code == 404
    for job_url in kept:
        assert (await client.get(job_url)).status_code == 200
