"""A retried event is answered from the stored result; a reused transactionid is delivered."""

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


async def test_repeated_transactionid_with_a_different_payload_is_delivered_and_flagged(
    client: httpx.AsyncClient, target: Target, import_mapping: Any
) -> None:
    target.route("POST", "/c", json={"id": "x"})
    path = await import_mapping(mapping(target))

    await client.post(path, data={"transactionid": "t-2", "contact[email]": "a@b.c"})
    second = await client.post(path, data={"transactionid": "t-2", "contact[email]": "z@b.c"})

    assert second.status_code == 200
    assert [r.json["email"] for r in target.requests] == ["a@b.c", "z@b.c"]
    stored = await queries.event_with_attempts(second.headers[EVENT_HEADER])
    assert stored is not None
    assert "transactionid_reused" in stored[0].flags


async def test_the_dedupe_key_is_configurable(
    client: httpx.AsyncClient, target: Target, import_mapping: Any
) -> None:
    target.route("POST", "/c", json={"id": "x"})
    path = await import_mapping(mapping(target, dedupe="$.body.contact.email"))

    await client.post(path, data={"transactionid": "1", "contact[email]": "a@b.c"})
    await client.post(path, data={"transactionid": "1", "contact[email]": "a@b.c"})
    await client.post(path, data={"transactionid": "2", "contact[email]": "a@b.c"})

    assert len(target.requests) == 2


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
