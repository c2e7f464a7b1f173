"""record_event returns only once the event is committed: another connection sees it at once."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import msgspec
import pytest

from server.store.writer import EventWriter, NewEvent

pytestmark = pytest.mark.postgres

ReadElsewhere = Callable[..., Awaitable[list[dict[str, Any]]]]
MakeEvent = Callable[..., NewEvent]


async def test_a_recorded_event_is_visible_to_another_connection_at_once(
    writer: EventWriter, make_event: MakeEvent, read_elsewhere: ReadElsewhere
) -> None:
    event = make_event("t-1", flags=["sniffed_json"])

    stored = await writer.record_event(event)
    rows = await read_elsewhere("SELECT * FROM event WHERE id = ?", stored.id)

    [row] = rows
    assert str(row["endpoint_id"]) == event.endpoint_id
    assert bytes(row["raw_body"]) == event.raw_body
    assert msgspec.json.decode(row["payload"]) == event.payload
    assert msgspec.json.decode(row["flags"]) == ["sniffed_json"]
    assert (row["status"], row["transactionid"], row["dedupe_key"]) == ("received", "t-1", "t-1")
    assert (row["answer_status"], row["completed_at"]) == (None, None)


async def test_a_stored_event_has_a_time_ordered_id_and_a_utc_receipt_time(
    writer: EventWriter, make_event: MakeEvent
) -> None:
    before = datetime.now(UTC)
    first = await writer.record_event(make_event())
    second = await writer.record_event(make_event())

    assert uuid.UUID(first.id).version == 7
    assert first.id < second.id
    assert before <= first.received_at <= second.received_at
    assert first.received_at.tzinfo is UTC
    assert first.prior is None


async def test_nul_characters_become_replacement_characters_but_the_raw_body_stays_exact(
    writer: EventWriter, make_event: MakeEvent, read_elsewhere: ReadElsewhere
) -> None:
    event = make_event(
        "t\x00",
        raw_body=b"a=\x00",
        query_string="q=\x00",
        payload={"query": {"q": "\x00"}, "body": {"a": "x\x00y", "b": "\\u0000"}},
    )

    stored = await writer.record_event(event)
    [row] = await read_elsewhere(
        "SELECT raw_body, payload, query_string, dedupe_key FROM event WHERE id = ?", stored.id
    )

    assert bytes(row["raw_body"]) == b"a=\x00"
    assert msgspec.json.decode(row["payload"]) == {
        "query": {"q": "\ufffd"},
        "body": {"a": "x\ufffdy", "b": "\\u0000"},
    }
    assert (row["query_string"], row["dedupe_key"]) == ("q=\ufffd", "t\ufffd")


async def test_an_overlong_dedupe_key_is_kept_as_its_hash_and_still_matches(
    writer: EventWriter, make_event: MakeEvent, read_elsewhere: ReadElsewhere
) -> None:
    key = "k" * 1000

    first = await writer.record_event(make_event(key))
    second = await writer.record_event(make_event(key))
    [row] = await read_elsewhere(
        "SELECT dedupe_key, transactionid FROM event WHERE id = ?", first.id
    )

    assert row["dedupe_key"].startswith("sha256:")
    assert row["transactionid"] == "k" * 255
    assert second.prior is not None
    assert second.prior.id == first.id
