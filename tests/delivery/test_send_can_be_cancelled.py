"""Cancelling a send (shutdown, a client that went away) is not turned into a result."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest
from support.target import Target

from server.delivery import send
from server.mapping.request import OutboundRequest


async def test_cancelling_a_send_cancels_it(session: aiohttp.ClientSession, target: Target) -> None:
    target.route("POST", "/slow", json={}, delay=30)
    request = OutboundRequest("POST", f"{target.url}/slow", timeout=60)
    task = asyncio.create_task(send(session, request, max_response_bytes=1000))
    await target.wait_for_requests(1)

    task.cancel()

    with pytest.raises(asyncio.CancelledError):
        await task
