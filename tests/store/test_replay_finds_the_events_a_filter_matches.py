"""A bulk replay takes the events the log's filter matches: oldest first, capped, counted."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from tortoise import connections

from server.store.backends import SqliteWriter
from server.store.db import backend_of
from server.store.deliveries import (
    DeliveryFilter,
    count_matching_events,
    matching_event_ids,
)
from server.store.models import Event
from server.store.queries import save_endpoint
from server.store.writer import EventWriter, NewEvent

pytestmark = pytest.mark.postgres

MakeEvent = Callable[..., NewEvent]
NOW = datetime(2025, 3, 14, 12, 0, tzinfo=UTC)


async def record(
    writer: EventWriter,
    make_event: MakeEvent,
    transactionid: str,
    minutes_ago: float,
    status: str = "failed",
    endpoint_id: str | None = None,
) -> str:
    """An event received ``minutes_ago`` before :data:`NOW`, with ``status``; its id."""
    changes = {} if endpoint_id is None else {"endpoint_id": endpoint_id}
    stored = await writer.record_event(make_event(dedupe_key=transactionid, **changes))
    received = NOW - timedelta(minutes=minutes_ago)
    await Event.filter(id=stored.id).update(received_at=received, status=status)
    return stored.id


async def test_the_ids_come_oldest_first_and_only_for_the_filter(
    writer: EventWriter, make_event: MakeEvent, endpoint_id: str
) -> None:
    other, _ = await save_endpoint("other", "Other", {"switchboard": 1}, enabled=True)
    newest = await record(writer, make_event, "t-new", 1)
    oldest = await record(writer, make_event, "t-old", 30)
    middle = await record(writer, make_event, "t-mid", 10)
    await record(writer, make_event, "t-ok", 20, status="delivered")
    await record(writer, make_event, "t-other", 5, endpoint_id=str(other.id))

    failed_here = DeliveryFilter(endpoint_id=endpoint_id, status="failed")
    matching = await matching_event_ids(failed_here, now=NOW)

    assert matching.ids == [oldest, middle, newest]
    assert (matching.total, matching.capped) == (3, False)
    assert await count_matching_events(failed_here, now=NOW) == 3
    searched = await matching_event_ids(DeliveryFilter(search="t-mid"), now=NOW)
    assert searched.ids == [middle]
    everything = await matching_event_ids(DeliveryFilter(), now=NOW)
    assert len(everything.ids) == everything.total == 5


async def test_over_the_cap_the_oldest_are_taken_and_the_total_says_how_many_match(
    writer: EventWriter, make_event: MakeEvent
) -> None:
    ids = [await record(writer, make_event, f"t-{age}", age) for age in (50, 40, 30, 20, 10)]

    matching = await matching_event_ids(DeliveryFilter(status="failed"), cap=2, now=NOW)

    assert matching.ids == ids[:2]
    assert (matching.total, matching.capped) == (5, True)


async def test_events_received_after_the_question_are_left_out_and_periods_count_from_it(
    writer: EventWriter, make_event: MakeEvent
) -> None:
    asked_at = NOW - timedelta(minutes=15)
    await record(writer, make_event, "t-after", 5)
    before = await record(writer, make_event, "t-before", 20)
    long_before = await record(writer, make_event, "t-long-before", 120)

    in_all = await matching_event_ids(DeliveryFilter(), now=asked_at)
    in_the_hour = await matching_event_ids(DeliveryFilter(period="hour"), now=asked_at)

    assert in_all.ids == [long_before, before]
    assert in_the_hour.ids == [before]
    assert await count_matching_events(DeliveryFilter(), now=asked_at) == 2


async def test_an_event_received_at_the_very_moment_asked_is_included(
    writer: EventWriter, make_event: MakeEvent, database: str
) -> None:
    on_the_second = await record(writer, make_event, "t-exact", 0)
    if backend_of(database) == "sqlite":
        # As the event writer spells it: with a zero microsecond part, which tortoise leaves
        # out of the value it compares with (so "<=" would miss this event).
        await connections.get("default").execute_query(
            "UPDATE event SET received_at = ? WHERE id = ?",
            [SqliteWriter.timestamp(NOW), on_the_second],
        )

    matching = await matching_event_ids(DeliveryFilter(), now=NOW)

    assert matching.ids == [on_the_second]
