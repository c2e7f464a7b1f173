"""A redirect comes back as it is: a contact's data only goes where the mapping says."""

from __future__ import annotations

import aiohttp
import pytest
from support.target import Answer, Target

from server.delivery import send
from server.mapping.request import OutboundRequest


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
async def test_a_redirect_is_returned_not_followed(
    session: aiohttp.ClientSession, target: Target, status: int
) -> None:
    target.route("POST", "/old", Answer(status=status, headers={"Location": "/new"}))
    target.route("*", "/new", status=200, json={"id": "1"})
    request = OutboundRequest("POST", f"{target.url}/old", body=b'{"email": "a@b.c"}')

    result = await send(session, request, max_response_bytes=1000)

    assert (result.status, result.headers["location"], result.ok) == (status, "/new", False)
    assert [r.path for r in target.requests] == ["/old"]
