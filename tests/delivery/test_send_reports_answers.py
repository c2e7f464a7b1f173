"""Whatever HTTP status the target answers with comes back as it is, with its body."""

from __future__ import annotations

import aiohttp
import pytest
from support.target import Answer, Target, too_many_requests

from server.delivery import send
from server.mapping.request import OutboundRequest

LIMIT = 1_048_576
JSON = (("Content-Type", "application/json"),)


@pytest.mark.parametrize(
    ("answer", "status", "body", "ok"),
    [
        (Answer(json={"id": "123"}), 200, b'{"id": "123"}', True),
        (
            Answer(status=201, json={"id": "123", "new": True}),
            201,
            b'{"id": "123", "new": true}',
            True,
        ),
        (Answer(status=204), 204, b"", True),
        (Answer(status=500, json={"error": "boom"}), 500, b'{"error": "boom"}', False),
        (Answer(status=404, body="no such thing"), 404, b"no such thing", False),
        (too_many_requests(retry_after=7), 429, b'{"error": "rate limited"}', False),
    ],
)
async def test_the_targets_status_and_body_come_back_unchanged(
    session: aiohttp.ClientSession,
    target: Target,
    answer: Answer,
    status: int,
    body: bytes,
    ok: bool,
) -> None:
    target.route("POST", "/contacts", answer)
    request = OutboundRequest("POST", f"{target.url}/contacts", JSON, b'{"email": "a@b.c"}')

    result = await send(session, request, max_response_bytes=LIMIT)

    assert (result.status, result.body, result.ok) == (status, body, ok)
    assert (result.error, result.error_kind, result.body_truncated) == (None, None, False)


async def test_a_json_answer_can_be_parsed(session: aiohttp.ClientSession, target: Target) -> None:
    target.route("POST", "/contacts", status=201, json={"id": "123", "name": "Zoë"})

    result = await send(
        session, OutboundRequest("POST", f"{target.url}/contacts"), max_response_bytes=LIMIT
    )

    assert result.json() == {"id": "123", "name": "Zoë"}


async def test_a_non_json_answer_is_kept_as_bytes_and_refuses_to_parse(
    session: aiohttp.ClientSession, target: Target
) -> None:
    target.route(
        "GET", "/page", body="<html><p>Welcome</p></html>", content_type="text/html; charset=utf-8"
    )

    result = await send(
        session, OutboundRequest("GET", f"{target.url}/page"), max_response_bytes=LIMIT
    )

    assert result.ok
    assert result.body == b"<html><p>Welcome</p></html>"
    assert result.headers["content-type"] == "text/html; charset=utf-8"
    with pytest.raises(ValueError, match="not valid JSON"):
        result.json()


async def test_response_headers_have_lower_case_names_and_joined_repeats(
    session: aiohttp.ClientSession, target: Target
) -> None:
    target.route(
        "GET",
        "/limits",
        too_many_requests(retry_after=30),
        Answer(headers=(("X-Trace-Id", "t-1"), ("Link", "<a>"), ("Link", "<b>"))),
    )
    url = f"{target.url}/limits"

    limited = await send(session, OutboundRequest("GET", url), max_response_bytes=LIMIT)
    traced = await send(session, OutboundRequest("GET", url), max_response_bytes=LIMIT)

    assert limited.headers["retry-after"] == "30"
    assert traced.headers["x-trace-id"] == "t-1"
    assert traced.headers["link"] == "<a>, <b>"
    assert all(name == name.lower() for name in traced.headers)
