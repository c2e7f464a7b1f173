"""record_outcome stores the attempts and the event's status and answer together."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from server.store import queries
from server.store.writer import EventWriter, NewAttempt, NewEvent

pytestmark = pytest.mark.postgres

MakeEvent = Callable[..., NewEvent]
STARTED = datetime(2026, 11, 23, 12, 0, 0, 123456, tzinfo=UTC)


def attempt(index: int, outcome: str = "success", **changes: object) -> NewAttempt:
    values: dict[str, object] = {
        "action_index": index,
        "action_name": f"action {index}",
        "attempt_no": 1,
        "started_at": STARTED + timedelta(seconds=index),
        "duration_ms": 12.5,
        "outcome": outcome,
        "request": {"method": "POST", "url": "http://127.0.0.1/x", "headers": [], "body": "{}"},
        "response_status": 200,
        "response_headers": {"content-type": "application/json"},
        "response_body": '{"id": 7}',
        "error": None,
    }
    values.update(changes)
    return NewAttempt(**values)  # type: ignore[arg-type]


async def test_an_outcome_stores_attempts_status_and_answer(
    writer: EventWriter, make_event: MakeEvent
) -> None:
    stored = await writer.record_event(make_event("t-1"))
    attempts = [
        attempt(1, "failed", response_status=500, error="HTTP 500"),
        attempt(0),
        attempt(2, "skipped", request=None, response_status=None, response_body=None),
    ]

    await writer.record_outcome(
        stored.id, status="failed", answer_status=502, answer_body={"error": "x"}, attempts=attempts
    )
    found = await queries.event_with_attempts(stored.id)

    assert found is not None
    event, rows = found
    assert (event.status, event.answer_status, event.answer_body) == ("failed", 502, {"error": "x"})
    assert event.completed_at is not None
    assert event.completed_at >= stored.received_at
    assert event.flags == []
    assert event.duplicate_of is None
    assert [(row.action_index, row.outcome, row.error) for row in rows] == [
        (0, "success", None),
        (1, "failed", "HTTP 500"),
        (2, "skipped", None),
    ]
    assert rows[0].started_at == STARTED
    assert rows[0].request == attempts[1].request
    assert rows[0].response_headers == {"content-type": "application/json"}
    assert (rows[0].response_status, rows[0].response_body) == (200, '{"id": 7}')
    assert rows[0].duration_ms == 12.5


async def test_an_outcome_sets_duplicate_of_and_flags_only_when_given(
    writer: EventWriter, make_event: MakeEvent
) -> None:
    first = await writer.record_event(make_event("t-1", flags=["sniffed_json"]))
    second = await writer.record_event(make_event("t-1", flags=["sniffed_json"]))

    await writer.record_outcome(
        first.id, status="delivered", answer_status=200, answer_body={}, attempts=[]
    )
    await writer.record_outcome(
        second.id,
        status="duplicate",
        answer_status=200,
        answer_body={},
        attempts=[],
        duplicate_of=first.id,
        flags=["sniffed_json", "transactionid_reused"],
    )

    original = await queries.event_with_attempts(first.id)
    repeat = await queries.event_with_attempts(second.id)
    assert original is not None
    assert repeat is not None
    assert (original[0].flags, original[0].duplicate_of) == (["sniffed_json"], None)
    assert repeat[0].flags == ["sniffed_json", "transactionid_reused"]
    assert str(repeat[0].duplicate_of) == first.id


async def test_recent_events_are_newest_first_without_their_bodies(
    writer: EventWriter, make_event: MakeEvent, endpoint_id: str
) -> None:
    ids = [(await writer.record_event(make_event(f"t-{n}"))).id for n in range(3)]

    recent = await queries.recent_events(endpoint_id, limit=2)

    assert [str(event.id) for event in recent] == ids[:0:-1]
    with pytest.raises(AttributeError):
        _ = recent[0].raw_body


async def test_an_unknown_or_malformed_event_id_finds_nothing(database: str) -> None:
    assert await queries.event_with_attempts("0190a1b2-0000-7000-8000-000000000000") is None
    assert await queries.event_with_attempts("not-an-id") is None


async def test_deleting_an_endpoint_deletes_its_events_and_attempts(
    writer: EventWriter, make_event: MakeEvent
) -> None:
    stored = await writer.record_event(make_event())
    await writer.record_outcome(
        stored.id, status="delivered", answer_status=200, answer_body={}, attempts=[attempt(0)]
    )

    await queries.delete_endpoint("shop")

    assert await queries.event_with_attempts(stored.id) is None
