"""A transactionid delivered once is never delivered again; after a final failure it is."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from support.target import Answer, Target

from server.pipeline import DUPLICATE_HEADER, EVENT_HEADER
from server.store import queries

pytestmark = pytest.mark.postgres


def mapping(target: Target, dedupe: str | None = None) -> dict[str, Any]:
    endpoint: dict[str, Any] = {"name": "Dedupe"}
    if dedupe:
        endpoint["dedupe"] = dedupe
    return {
        "endpoint": endpoint,
        "actions": [
            {
                "name": "create",
                "request": {"url": f"{target.url}/c"},
                "fields": {"email": {"from": "$.body.contact.email"}},
                "response": {"crm_id": "$.id"},
            }
        ],
    }


async def test_repeated_transactionid_with_the_same_payload_is_not_delivered_twice(
    client: httpx.AsyncClient, target: Target, import_mapping: Any
) -> None:
    target.route("POST", "/c", json={"id": "first"}, status=201)
    path = await import_mapping(mapping(target))
    form = {"transactionid": "t-1", "contact[email]": "a@b.c"}

    first = await client.post(path, data=form)
    target.route("POST", "/c", json={"id": "second"})
    again = await client.post(path, data=form)

    assert first.json() == again.json() == {"crm_id": "first"}
    assert again.status_code == first.status_code == 200
    assert len(target.requests) == 1
    assert again.headers[DUPLICATE_HEADER] == first.headers[EVENT_HEADER]
    retry = await queries.event_with_attempts(again.headers[EVENT_HEADER])
    assert retry is not None
    assert (retry[0].status, retry[1]) == ("duplicate", [])


async def test_a_delivered_transactionid_with_a_different_payload_is_not_delivered_again(
    client: httpx.AsyncClient, target: Target, import_mapping: Any
) -> None:
    target.route("POST", "/c", json={"id": "x"})
    path = await import_mapping(mapping(target))

    first = await client.post(path, data={"transactionid": "t-2", "contact[email]": "a@b.c"})
    second = await client.post(path, data={"transactionid": "t-2", "contact[email]": "z@b.c"})

    assert second.status_code == 200
    assert second.json() == first.json() == {"crm_id": "x"}
    assert [r.json["email"] for r in target.requests] == ["a@b.c"]
    assert second.headers[DUPLICATE_HEADER] == first.headers[EVENT_HEADER]
    stored = await queries.event_with_attempts(second.headers[EVENT_HEADER])
    assert stored is not None
    assert stored[0].status == "duplicate"
    assert "transactionid_reused" in stored[0].flags


async def test_a_transactionid_that_failed_for_good_is_delivered_when_sent_again(
    client: httpx.AsyncClient, target: Target, import_mapping: Any
) -> None:
    target.route("POST", "/c", json={"error": "bad"}, status=400)
    path = await import_mapping(mapping(target))
    form = {"transactionid": "t-5", "contact[email]": "a@b.c"}

    failed = await client.post(path, data=form)
    target.route("POST", "/c", json={"id": "ok"})
    retried = await client.post(path, data=form)
    third = await client.post(path, data=form)

    assert failed.status_code == 502
    assert retried.status_code == third.status_code == 200
    assert retried.json() == third.json() == {"crm_id": "ok"}
    assert len(target.requests) == 2
    assert DUPLICATE_HEADER not in retried.headers
    assert third.headers[DUPLICATE_HEADER] == retried.headers[EVENT_HEADER]


async def test_the_dedupe_key_is_configurable(
    client: httpx.AsyncClient, target: Target, import_mapping: Any
) -> None:
    target.route("POST", "/c", json={"id": "x"})
    path = await import_mapping(mapping(target, dedupe="$.body.contact.email"))

    await client.post(path, data={"transactionid": "1", "contact[email]": "a@b.c"})
    await client.post(path, data={"transactionid": "1", "contact[email]": "z@b.c"})
    await client.post(path, data={"transactionid": "2", "contact[email]": "a@b.c"})

    assert [r.json["email"] for r in target.requests] == ["a@b.c", "z@b.c"]


async def test_dedupe_can_be_switched_off(
    client: httpx.AsyncClient, target: Target, import_mapping: Any
) -> None:
    target.route("POST", "/c", json={"id": "x"})
    path = await import_mapping(mapping(target, dedupe="none"))
    form = {"transactionid": "t-3", "contact[email]": "a@b.c"}

    await client.post(path, data=form)
    await client.post(path, data=form)

    assert len(target.requests) == 2


async def test_a_retry_while_the_first_is_still_delivering_is_told_to_come_back(
    client: httpx.AsyncClient, target: Target, import_mapping: Any
) -> None:
    target.route("POST", "/c", Answer(json={"id": "slow"}, delay=1.0))
    path = await import_mapping(mapping(target))
    form = {"transactionid": "t-4", "contact[email]": "a@b.c"}

    first = asyncio.create_task(client.post(path, data=form))
    await target.wait_for_requests(1)
    again = await client.post(path, data=form)

    assert again.status_code == 409
    assert again.json()["error"] == "in_progress"
    assert (await first).json() == {"crm_id": "slow"}
    assert len(target.requests) == 1
