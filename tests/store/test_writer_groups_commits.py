"""Under load the writer groups many events into few transactions, and loses none."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from server.store.writer import EventWriter, NewEvent

pytestmark = pytest.mark.postgres

ReadElsewhere = Callable[..., Awaitable[list[dict[str, Any]]]]
MakeEvent = Callable[..., NewEvent]


async def test_five_hundred_concurrent_events_are_all_stored_in_fewer_transactions(
    writer: EventWriter, make_event: MakeEvent, read_elsewhere: ReadElsewhere
) -> None:
    stored = await asyncio.gather(*(writer.record_event(make_event(f"t-{n}")) for n in range(500)))

    [count] = await read_elsewhere("SELECT COUNT(*) AS n FROM event")
    assert count["n"] == 500
    assert len({event.id for event in stored}) == 500
    assert writer.transactions < 500


async def test_closing_the_writer_commits_what_is_waiting_and_refuses_more(
    writer: EventWriter, make_event: MakeEvent, read_elsewhere: ReadElsewhere
) -> None:
    pending = [asyncio.ensure_future(writer.record_event(make_event())) for _ in range(20)]
    await asyncio.sleep(0)

    await writer.close()

    assert len(await asyncio.gather(*pending)) == 20
    [count] = await read_elsewhere("SELECT COUNT(*) AS n FROM event")
    assert count["n"] == 20
    with pytest.raises(Exception, match="closed"):
        await writer.record_event(make_event())
