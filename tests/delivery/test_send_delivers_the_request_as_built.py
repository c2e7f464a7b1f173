"""The target gets exactly the method, URL, headers and body the mapping built."""

from __future__ import annotations

import json

import aiohttp
import pytest
from support.target import Target

from server.delivery import ClientSettings, send
from server.mapping.request import OutboundRequest

LIMIT = 1000


async def test_a_unicode_json_body_arrives_byte_for_byte(
    session: aiohttp.ClientSession, target: Target
) -> None:
    body = json.dumps({"name": "Zoë Ødegård", "city": "東京", "note": "🙂"}, ensure_ascii=False)
    headers = (("Content-Type", "application/json; charset=utf-8"), ("Authorization", "Bearer t0k"))

    await send(
        session,
        OutboundRequest("POST", f"{target.url}/crm/v3/objects/contacts", headers, body.encode()),
        max_response_bytes=LIMIT,
    )

    [received] = target.requests
    assert (received.method, received.path) == ("POST", "/crm/v3/objects/contacts")
    assert received.body == body.encode()
    assert received.json == {"name": "Zoë Ødegård", "city": "東京", "note": "🙂"}
    assert received.headers["Content-Type"] == "application/json; charset=utf-8"
    assert received.headers["Authorization"] == "Bearer t0k"


async def test_a_form_body_and_query_arrive_as_sent(
    session: aiohttp.ClientSession, target: Target
) -> None:
    body = b"contact%5Bemail%5D=jane%2Bx%40example.com&company=Acme+%26+Co.&empty="
    url = f"{target.url}/api/sync?list=104523&tag=a%20b&tag=c"
    headers = (("Content-Type", "application/x-www-form-urlencoded"),)

    await send(session, OutboundRequest("PUT", url, headers, body), max_response_bytes=LIMIT)

    [received] = target.requests
    assert (received.method, received.body) == ("PUT", body)
    assert received.form == {
        "contact[email]": "jane+x@example.com",
        "company": "Acme & Co.",
        "empty": "",
    }
    assert received.query == (("list", "104523"), ("tag", "a b"), ("tag", "c"))


@pytest.mark.parametrize(
    ("path_and_query", "path", "query"),
    [
        (
            "/a%20b?email=jane%2Bx%40example.com&q=a+b",
            "/a b",
            {"email": "jane+x@example.com", "q": "a b"},
        ),
        ("/ü?name=Zoë Ødegård", "/ü", {"name": "Zoë Ødegård"}),
        ("/p?fields[0][name]=x&t=%E6%9D%B1", "/p", {"fields[0][name]": "x", "t": "東"}),
    ],
    ids=["encoded", "typed by hand", "brackets"],
)
async def test_a_url_means_the_same_to_the_target(
    session: aiohttp.ClientSession,
    target: Target,
    path_and_query: str,
    path: str,
    query: dict[str, str],
) -> None:
    await send(
        session, OutboundRequest("GET", f"{target.url}{path_and_query}"), max_response_bytes=LIMIT
    )

    [received] = target.requests
    assert (received.path, received.query_dict) == (path, query)


async def test_repeated_headers_arrive_in_order(
    session: aiohttp.ClientSession, target: Target
) -> None:
    headers = (("X-Tag", "first"), ("X-Tag", "second"))

    await send(session, OutboundRequest("GET", f"{target.url}/", headers), max_response_bytes=LIMIT)

    assert target.requests[0].headers.getall("X-Tag") == ["first", "second"]


@pytest.mark.parametrize(
    ("headers", "user_agent"),
    [((), ClientSettings().user_agent), ((("User-Agent", "Custom/2"),), "Custom/2")],
)
async def test_the_user_agent_is_ours_unless_the_mapping_sets_one(
    session: aiohttp.ClientSession,
    target: Target,
    headers: tuple[tuple[str, str], ...],
    user_agent: str,
) -> None:
    await send(session, OutboundRequest("GET", f"{target.url}/", headers), max_response_bytes=LIMIT)

    assert target.requests[0].headers.getall("User-Agent") == [user_agent]


async def test_a_request_without_a_body_sends_none(
    session: aiohttp.ClientSession, target: Target
) -> None:
    await send(
        session,
        OutboundRequest("GET", f"{target.url}/contacts?email=a%40b.c"),
        max_response_bytes=LIMIT,
    )

    [received] = target.requests
    assert (received.body, received.query_dict) == (b"", {"email": "a@b.c"})
