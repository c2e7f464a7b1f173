"""record_event returns the earliest earlier event with the same dedupe key, per endpoint."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from server.store import queries
from server.store.writer import EventWriter, NewEvent, PriorEvent

pytestmark = pytest.mark.postgres

MakeEvent = Callable[..., NewEvent]


async def test_a_repeated_dedupe_key_finds_the_first_event(
    writer: EventWriter, make_event: MakeEvent
) -> None:
    first = await writer.record_event(make_event("t-1", payload_hash="a" * 64))
    second = await writer.record_event(make_event("t-1"))

    assert first.prior is None
    assert second.prior == PriorEvent(first.id, "a" * 64, "received", None, None)


@pytest.mark.parametrize(
    ("first_key", "second_key"),
    [("t-1", "t-2"), (None, None), ("t-1", None), (None, "t-1")],
)
async def test_no_prior_without_the_same_dedupe_key(
    writer: EventWriter, make_event: MakeEvent, first_key: str | None, second_key: str | None
) -> None:
    await writer.record_event(make_event(first_key))

    second = await writer.record_event(make_event(second_key))

    assert second.prior is None


async def test_the_same_dedupe_key_on_another_endpoint_is_not_a_prior(
    writer: EventWriter, make_event: MakeEvent
) -> None:
    other, _ = await queries.save_endpoint("other", "Other", {}, enabled=True)
    await writer.record_event(make_event("t-1"))

    elsewhere = await writer.record_event(make_event("t-1", endpoint_id=str(other.id)))

    assert elsewhere.prior is None


async def test_the_prior_carries_the_answer_once_recorded(
    writer: EventWriter, make_event: MakeEvent
) -> None:
    first = await writer.record_event(make_event("t-1"))
    await writer.record_outcome(
        first.id, status="delivered", answer_status=200, answer_body={"id": 7}, attempts=[]
    )

    second = await writer.record_event(make_event("t-1"))

    assert second.prior is not None
    assert (second.prior.status, second.prior.answer_status, second.prior.answer_body) == (
        "delivered",
        200,
        {"id": 7},
    )


async def test_an_event_marked_duplicate_is_never_the_prior(
    writer: EventWriter, make_event: MakeEvent
) -> None:
    marked = await writer.record_event(make_event("t-1"))
    await writer.record_outcome(
        marked.id, status="duplicate", answer_status=200, answer_body={}, attempts=[]
    )

    second = await writer.record_event(make_event("t-1"))
    third = await writer.record_event(make_event("t-1"))

    assert second.prior is None
    assert third.prior is not None
    assert third.prior.id == second.id


async def test_within_one_batch_only_the_first_of_a_key_has_no_prior(
    writer: EventWriter, make_event: MakeEvent
) -> None:
    stored = await asyncio.gather(*(writer.record_event(make_event("t-1")) for _ in range(5)))

    first = min(stored, key=lambda event: event.id)
    assert first.prior is None
    assert [event.prior.id for event in stored if event is not first and event.prior] == [
        first.id
    ] * 4


async def test_a_delivered_event_is_the_prior_ahead_of_an_earlier_failed_one(
    writer: EventWriter, make_event: MakeEvent
) -> None:
    failed = await writer.record_event(make_event("t-1"))
    await writer.record_outcome(
        failed.id, status="failed", answer_status=502, answer_body={}, attempts=[]
    )
    delivered = await writer.record_event(make_event("t-1"))
    await writer.record_outcome(
        delivered.id, status="delivered", answer_status=200, answer_body={}, attempts=[]
    )

    repeat = await writer.record_event(make_event("t-1"))

    assert delivered.prior is not None
    assert delivered.prior.id == failed.id
    assert repeat.prior is not None
    assert (repeat.prior.id, repeat.prior.status) == (delivered.id, "delivered")


async def test_two_writers_storing_one_key_at_the_same_instant_see_each_other(
    database: str, writer: EventWriter, make_event: MakeEvent
) -> None:
    """Two processes on one database: of two events with one key, exactly one has no prior."""
    other = await EventWriter.start(database)
    try:
        for round_no in range(20):
            key = f"race-{round_no}"
            stored = await asyncio.gather(
                writer.record_event(make_event(key)), other.record_event(make_event(key))
            )
            assert sorted(event.prior is None for event in stored) == [False, True], key
    finally:
        await other.close()
