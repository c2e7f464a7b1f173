"""A response body is read up to max_response_bytes and no further."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest
from support.target import Answer, Target, endless_body

from server.delivery import send
from server.mapping.request import OutboundRequest

LIMIT = 1000


@pytest.mark.parametrize(
    ("size", "kept", "truncated"),
    [(0, 0, False), (LIMIT - 1, LIMIT - 1, False), (LIMIT, LIMIT, False), (LIMIT + 1, LIMIT, True)],
)
async def test_a_body_is_kept_up_to_the_limit(
    session: aiohttp.ClientSession, target: Target, size: int, kept: int, truncated: bool
) -> None:
    body = bytes(i % 251 for i in range(size))
    target.route("GET", "/export", Answer(body=body))

    result = await send(
        session, OutboundRequest("GET", f"{target.url}/export"), max_response_bytes=LIMIT
    )

    assert result.body == body[:kept]
    assert result.body_truncated is truncated
    assert result.error is None


async def test_a_body_that_never_ends_is_cut_at_the_limit(
    session: aiohttp.ClientSession, target: Target
) -> None:
    target.route("GET", "/stream", endless_body(b"y" * 65536))
    request = OutboundRequest("GET", f"{target.url}/stream", timeout=30)

    async with asyncio.timeout(10):
        result = await send(session, request, max_response_bytes=200_000)

    assert (result.status, result.body, result.body_truncated) == (200, b"y" * 200_000, True)
    assert result.error is None


async def test_a_cut_json_body_says_why_it_cannot_be_parsed(
    session: aiohttp.ClientSession, target: Target
) -> None:
    target.route("GET", "/contacts", json={"results": ["x" * 50] * 100})

    result = await send(
        session, OutboundRequest("GET", f"{target.url}/contacts"), max_response_bytes=LIMIT
    )

    with pytest.raises(ValueError, match="larger than 1000 bytes and was cut"):
        result.json()
