"""Network and protocol trouble never raises: it becomes a result that says what happened."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest
from support.target import Answer, Target, close_without_answer, closed_port, garbage

from server.delivery import DeliveryResult, send
from server.mapping.request import OutboundRequest

LIMIT = 1_048_576
# Generous bound on how long any case may take, so that a broken timeout fails instead of hanging.
BOUND = 10.0


async def send_bounded(session: aiohttp.ClientSession, request: OutboundRequest) -> DeliveryResult:
    async with asyncio.timeout(BOUND):
        return await send(session, request, max_response_bytes=LIMIT)


@pytest.mark.parametrize(
    ("answer", "kind", "error"),
    [
        (
            Answer(json={"id": 1}, delay=BOUND * 3),
            "timeout",
            "the target did not answer within 0.3 s",
        ),
        (
            Answer(json={"id": 1}, body_delay=BOUND * 3),
            "timeout",
            "the target did not send its whole response within 0.3 s",
        ),
        (
            close_without_answer(),
            "connection",
            "the target closed the connection before answering",
        ),
        (
            garbage(b"this is not HTTP at all\r\n\r\n"),
            "protocol",
            "the target's response is not valid HTTP (Bad status line)",
        ),
        (
            garbage(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly a part"),
            "connection",
            "the target closed the connection before sending its whole response",
        ),
        (
            garbage(b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 5\r\n\r\nhello"),
            "protocol",
            "the target's response body cannot be decoded (Can not decode content-encoding: gzip)",
        ),
    ],
    ids=["slow answer", "stalled body", "hang-up", "garbage", "cut body", "bad gzip"],
)
async def test_a_failed_exchange_becomes_a_result_in_plain_words(
    session: aiohttp.ClientSession, target: Target, answer: Answer, kind: str, error: str
) -> None:
    target.route("POST", "/contacts", answer)
    request = OutboundRequest("POST", f"{target.url}/contacts", body=b"{}", timeout=0.3)

    result = await send_bounded(session, request)

    assert (result.error_kind, result.error) == (kind, error)
    assert not result.ok
    assert result.body == b""


async def test_a_refused_connection_names_the_address(session: aiohttp.ClientSession) -> None:
    port = closed_port()

    result = await send_bounded(session, OutboundRequest("POST", f"http://127.0.0.1:{port}/"))

    assert result.status is None
    assert result.error_kind == "connection"
    assert result.error == f"connection refused by 127.0.0.1:{port}"


async def test_a_stalled_body_keeps_the_status_that_arrived(
    session: aiohttp.ClientSession, target: Target
) -> None:
    target.route("GET", "/big", status=200, json={"id": 1}, body_delay=BOUND * 3)

    result = await send_bounded(session, OutboundRequest("GET", f"{target.url}/big", timeout=0.3))

    assert (result.status, result.headers["content-type"]) == (200, "application/json")
    assert result.error_kind == "timeout"


@pytest.mark.parametrize("url", ["ftp://127.0.0.1/file", "not a url at all"])
async def test_an_unusable_url_becomes_a_result(session: aiohttp.ClientSession, url: str) -> None:
    result = await send_bounded(session, OutboundRequest("GET", url))

    assert result.error_kind == "connection"
    assert result.error == f"the target address {url!r} is not a valid http(s) URL"


async def test_the_session_still_works_after_a_failure(
    session: aiohttp.ClientSession, target: Target
) -> None:
    target.route("POST", "/contacts", garbage(), Answer(status=201, json={"id": "7"}))
    request = OutboundRequest("POST", f"{target.url}/contacts", body=b"{}")

    failed = await send_bounded(session, request)
    succeeded = await send_bounded(session, request)

    assert failed.error_kind == "protocol"
    assert (succeeded.status, succeeded.json()) == (201, {"id": "7"})
