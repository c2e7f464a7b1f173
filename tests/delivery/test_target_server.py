"""The loopback target server the whole suite uses answers as programmed and records everything."""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.request
from typing import Any

import aiohttp
import pytest
from support.target import Answer, ReceivedRequest, Target, closed_port, too_many_requests


async def call(
    session: aiohttp.ClientSession, method: str, url: str, **kwargs: Any
) -> tuple[int, Any]:
    async with session.request(method, url, **kwargs) as response:
        body = await response.read()
        return response.status, json.loads(body) if body else None


async def test_a_route_answers_its_answers_in_turn_and_repeats_the_last(
    session: aiohttp.ClientSession, target: Target
) -> None:
    target.route("POST", "/flaky", Answer(status=500), Answer(status=503), Answer(json={"id": 1}))

    statuses = [(await call(session, "POST", f"{target.url}/flaky"))[0] for _ in range(5)]

    assert statuses == [500, 503, 200, 200, 200]


async def test_unrouted_requests_get_the_default_answer(
    session: aiohttp.ClientSession, target: Target
) -> None:
    target.route("POST", "/only-post", status=201, json={})
    before = await call(session, "GET", f"{target.url}/only-post")
    target.default(status=404, json={"error": "not found"})
    after = await call(session, "GET", f"{target.url}/anything")

    assert before == (200, {"ok": True})
    assert after == (404, {"error": "not found"})


async def test_a_route_for_any_method(session: aiohttp.ClientSession, target: Target) -> None:
    target.route("*", "/any", status=202, json={})

    assert [(await call(session, m, f"{target.url}/any"))[0] for m in ("GET", "DELETE")] == [
        202,
        202,
    ]


async def test_callables_answer_from_the_request(
    session: aiohttp.ClientSession, target: Target
) -> None:
    async def later(request: ReceivedRequest) -> Answer:
        return Answer(json={"echo": request.json})

    target.route("GET", "/echo", lambda request: Answer(json={"query": request.query_dict}))
    target.route("POST", "/echo", later)

    assert await call(session, "GET", f"{target.url}/echo?a=1") == (200, {"query": {"a": "1"}})
    assert await call(session, "POST", f"{target.url}/echo", json={"b": 2}) == (
        200,
        {"echo": {"b": 2}},
    )


async def test_a_rate_limited_answer_carries_retry_after(
    session: aiohttp.ClientSession, target: Target
) -> None:
    target.route("POST", "/limited", too_many_requests(retry_after=12))

    async with session.post(f"{target.url}/limited") as response:
        assert (response.status, response.headers["Retry-After"]) == (429, "12")


async def test_requests_are_counted_by_transactionid(
    session: aiohttp.ClientSession, target: Target
) -> None:
    await call(session, "POST", f"{target.url}/a", json={"transactionid": "t1"})
    await call(session, "POST", f"{target.url}/a", json={"properties": {"transactionid": "t1"}})
    await call(session, "POST", f"{target.url}/b", data={"transactionid": "t2", "email": "x"})
    await call(session, "GET", f"{target.url}/c?transactionid=t2")
    await call(session, "GET", f"{target.url}/c")

    assert target.transaction_counts() == {"t1": 2, "t2": 2}
    assert target.count_transaction("t1") == 2
    assert target.count_transaction("never") == 0
    assert [r.path for r in target.requests_to("/c", method="get")] == ["/c", "/c"]


async def test_reset_forgets_requests_and_routes(
    session: aiohttp.ClientSession, target: Target
) -> None:
    target.route("GET", "/x", status=500)
    await call(session, "GET", f"{target.url}/x")

    target.reset()

    assert target.requests == []
    assert await call(session, "GET", f"{target.url}/x") == (200, {"ok": True})


def test_a_route_takes_answers_or_fields_not_both() -> None:
    with pytest.raises(TypeError):
        Target().route("GET", "/", Answer(), status=200)


def test_a_threaded_target_serves_synchronous_callers(threaded_target: Target) -> None:
    threaded_target.route("POST", "/contacts", status=201, json={"id": "123"})
    request = urllib.request.Request(
        f"{threaded_target.url}/contacts",
        data=b"transactionid=t9&contact%5Bemail%5D=a%40b.c",
        method="POST",
    )

    with urllib.request.urlopen(request, timeout=5) as response:
        assert (response.status, json.loads(response.read())) == (201, {"id": "123"})
    [received] = threaded_target.wait_for_requests_blocking(1)
    assert received.form == {"transactionid": "t9", "contact[email]": "a@b.c"}
    assert threaded_target.count_transaction("t9") == 1


def test_waiting_for_requests_that_never_come_fails(threaded_target: Target) -> None:
    with pytest.raises(
        AssertionError, match=r"expected 1 requests within 0\.05 s, the target got 0"
    ):
        threaded_target.wait_for_requests_blocking(1, within=0.05)


def test_a_closed_port_refuses_connections() -> None:
    with (
        pytest.raises(ConnectionRefusedError),
        socket.create_connection(("127.0.0.1", closed_port()), timeout=5),
    ):
        pass
