"""An endpoint keeps its pinned sample: added by migration 0003 to databases holding data, saved
whole, unpinned to NULL, and without touching the mapping's revision."""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import asyncpg
import pytest
from support.schema_history import migrate_to

from server.store import queries
from server.store.backends import numbered
from server.store.db import backend_of, migrate, open_database
from server.store.models import Endpoint
from server.store.writer import EventWriter, NewEvent

pytestmark = pytest.mark.postgres

ReadElsewhere = Callable[..., Awaitable[list[dict[str, Any]]]]
MakeEvent = Callable[..., NewEvent]

SAMPLE = {
    "source": "pasted",
    "event_id": None,
    "method": "POST",
    "content_type": "application/json",
    "query_string": "",
    "raw_body": '{"contact": {"email": "zoë@example.com"}}',
    "payload": {"query": {}, "body": {"contact": {"email": "zoë@example.com", "n": 1.5}}},
    "pinned_at": "2024-05-01T10:00:00Z",
    "received_at": None,
}


async def _insert_endpoint_as_0002(database_url: str) -> str:
    """An endpoint row written by code that knew no ``sample`` column."""
    endpoint_id = uuid.uuid4()
    now = datetime.now(UTC)
    sql = (
        "INSERT INTO endpoint (id, key, name, token, enabled, document, revision, created_at, "
        "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
    )
    document = '{"switchboard":1,"endpoint":{"name":"Shop"}}'
    if backend_of(database_url) == "sqlite":
        connection = sqlite3.connect(database_url.removeprefix("sqlite://"))
        with connection:
            connection.execute(
                sql, (str(endpoint_id), "shop", "Shop", "t" * 32, 1, document, 3, now, now)
            )
        connection.close()
    else:
        pg = await asyncpg.connect(database_url)
        try:
            await pg.execute(
                numbered(sql), endpoint_id, "shop", "Shop", "t" * 32, True, document, 3, now, now
            )
        finally:
            await pg.close()
    return str(endpoint_id)


async def test_0003_adds_an_empty_sample_to_endpoints_that_exist(database_url: str) -> None:
    await migrate_to(database_url, "0002_contact_email")
    endpoint_id = await _insert_endpoint_as_0002(database_url)

    assert (await migrate(database_url))[0] == "0003_endpoint_sample"

    async with open_database(database_url):
        endpoint = await queries.endpoint_by_key("shop")
        assert endpoint is not None
        assert (str(endpoint.id), endpoint.name, endpoint.revision) == (endpoint_id, "Shop", 3)
        assert endpoint.document == {"switchboard": 1, "endpoint": {"name": "Shop"}}
        assert endpoint.sample is None
        assert await queries.save_endpoint_sample(endpoint_id, SAMPLE)
        assert (await Endpoint.get(id=endpoint_id)).sample == SAMPLE


async def test_a_sample_is_kept_whole_and_unpinned_to_null(
    endpoint_id: str, read_elsewhere: ReadElsewhere
) -> None:
    assert await queries.save_endpoint_sample(endpoint_id, SAMPLE)
    assert (await Endpoint.get(id=endpoint_id)).sample == SAMPLE

    assert await queries.save_endpoint_sample(endpoint_id, None)

    assert (await Endpoint.get(id=endpoint_id)).sample is None
    [row] = await read_elsewhere("SELECT sample FROM endpoint")
    assert row["sample"] is None  # SQL NULL, not the JSON text "null"


async def test_pinning_is_no_mapping_change(endpoint_id: str) -> None:
    before = await Endpoint.get(id=endpoint_id)

    await queries.save_endpoint_sample(endpoint_id, SAMPLE)

    after = await Endpoint.get(id=endpoint_id)
    assert (after.revision, after.updated_at) == (before.revision, before.updated_at)
    assert await queries.endpoint_revisions() == {endpoint_id: before.revision}


async def test_nul_characters_become_replacement_characters(endpoint_id: str) -> None:
    with_nul = {**SAMPLE, "raw_body": "a\0b", "payload": {"query": {"k\0": ["v\0"]}, "body": {}}}

    assert await queries.save_endpoint_sample(endpoint_id, with_nul)

    stored = (await Endpoint.get(id=endpoint_id)).sample
    assert stored is not None
    assert stored["raw_body"] == "a\ufffdb"
    assert stored["payload"]["query"] == {"k\ufffd": ["v\ufffd"]}


async def test_saving_for_an_unknown_endpoint_says_so(database: str) -> None:
    assert not await queries.save_endpoint_sample(str(uuid.uuid4()), SAMPLE)
    assert not await queries.save_endpoint_sample("not-an-id", SAMPLE)


async def test_an_event_is_found_only_under_its_own_endpoint(
    writer: EventWriter, make_event: MakeEvent, endpoint_id: str
) -> None:
    stored = await writer.record_event(make_event())
    other, _ = await queries.save_endpoint("other", "Other", {"switchboard": 1}, enabled=True)

    found = await queries.event_of_endpoint(endpoint_id, stored.id)

    assert found is not None
    assert bytes(found.raw_body) == b"contact[email]=ada%40example.com&transactionid=t-1"
    assert found.payload["query"] == {"source": "vbout"}
    assert await queries.event_of_endpoint(str(other.id), stored.id) is None
    assert await queries.event_of_endpoint(endpoint_id, "not-an-id") is None


async def test_sample_candidates_are_the_latest_events_without_repeats(
    writer: EventWriter, make_event: MakeEvent, endpoint_id: str
) -> None:
    first = await writer.record_event(make_event("t-1"))
    repeat = await writer.record_event(make_event("t-1"))
    await writer.record_outcome(
        repeat.id,
        status="duplicate",
        answer_status=200,
        answer_body={},
        attempts=[],
        duplicate_of=first.id,
    )
    email = {"query": {}, "body": {"contact": {"email": "Bo@Example.com"}}}
    latest = await writer.record_event(make_event("t-2", payload=email))

    candidates = await queries.recent_sample_candidates(endpoint_id, limit=10)

    assert [str(event.id) for event in candidates] == [latest.id, first.id]
    assert [event.contact_email for event in candidates] == ["bo@example.com", "a@b.c"]
    assert [event.transactionid for event in candidates] == ["t-2", "t-1"]
    assert len(await queries.recent_sample_candidates(endpoint_id, limit=1)) == 1
