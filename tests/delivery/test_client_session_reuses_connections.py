"""One session keeps connections to a target open and reuses them."""

from __future__ import annotations

import aiohttp
from support.target import Answer, Target, garbage

from server.delivery import send
from server.mapping.request import OutboundRequest


async def test_sequential_calls_share_one_connection(
    session: aiohttp.ClientSession, target: Target
) -> None:
    request = OutboundRequest("POST", f"{target.url}/contacts", body=b"{}")

    for _ in range(5):
        assert (await send(session, request, max_response_bytes=1000)).ok

    assert len({r.peer_port for r in target.requests}) == 1


async def test_a_cut_response_does_not_spill_into_the_next_one(
    session: aiohttp.ClientSession, target: Target
) -> None:
    target.route("GET", "/big", body=b"x" * 500_000)
    target.route("GET", "/small", json={"id": "9"})

    big = await send(session, OutboundRequest("GET", f"{target.url}/big"), max_response_bytes=1000)
    small = await send(
        session, OutboundRequest("GET", f"{target.url}/small"), max_response_bytes=1000
    )

    assert big.body_truncated
    assert (small.status, small.json(), small.body_truncated) == (200, {"id": "9"}, False)


async def test_a_connection_the_target_broke_is_not_reused(
    session: aiohttp.ClientSession, target: Target
) -> None:
    target.route("POST", "/contacts", garbage(), Answer(json={"id": "1"}))
    request = OutboundRequest("POST", f"{target.url}/contacts", body=b"{}")

    results = [await send(session, request, max_response_bytes=1000) for _ in range(3)]

    assert [r.error_kind for r in results] == ["protocol", None, None]
    first, second, third = (r.peer_port for r in target.requests)
    assert first != second == third
