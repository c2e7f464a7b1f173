"""The backlog gauges count the events still to be delivered and the age of the oldest one."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from ops_support import insert_event, new_endpoint, samples

pytestmark = pytest.mark.postgres

DEPTH = ("switchboard_queue_depth", ())
OLDEST = ("switchboard_oldest_pending_seconds", ())


async def test_with_nothing_waiting_both_gauges_are_zero(client: httpx.AsyncClient) -> None:
    endpoint_id = await new_endpoint()
    await insert_event(endpoint_id, "delivered", age=timedelta(hours=5))

    found = samples((await client.get("/metrics")).text)

    assert (found[DEPTH], found[OLDEST]) == (0, 0)


async def test_received_and_pending_events_are_waiting_and_finished_ones_are_not(
    client: httpx.AsyncClient,
) -> None:
    endpoint_id = await new_endpoint()
    await insert_event(endpoint_id, "pending", age=timedelta(hours=2))
    await insert_event(endpoint_id, "received", age=timedelta(minutes=1))
    await insert_event(endpoint_id, "received")
    for finished in ("delivered", "failed", "duplicate"):
        await insert_event(endpoint_id, finished, age=timedelta(hours=5))

    found = samples((await client.get("/metrics")).text)

    assert found[DEPTH] == 3
    # The oldest waiting event is the pending one, two hours old (and not the finished ones).
    assert 2 * 3600 <= found[OLDEST] < 5 * 3600
