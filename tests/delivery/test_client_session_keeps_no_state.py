"""Cookies a target sets are not sent back: one contact's call cannot affect the next."""

from __future__ import annotations

import aiohttp
from support.target import Answer, Target

from server.delivery import send
from server.mapping.request import OutboundRequest


async def test_cookies_from_a_target_are_not_sent_back(
    session: aiohttp.ClientSession, target: Target
) -> None:
    target.route("GET", "/login", Answer(json={}, headers={"Set-Cookie": "sid=abc; Path=/"}))

    first = await send(
        session, OutboundRequest("GET", f"{target.url}/login"), max_response_bytes=1000
    )
    await send(session, OutboundRequest("GET", f"{target.url}/contacts"), max_response_bytes=1000)

    assert first.headers["set-cookie"] == "sid=abc; Path=/"
    assert "Cookie" not in target.requests[1].headers
