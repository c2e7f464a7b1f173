"""The endpoint list: each endpoint's URL, state, last event and today's outcomes."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from support.target import Target
from ui_support import CreateEndpoint

from server.store import queries, stats
from server.store.models import Event

pytestmark = pytest.mark.postgres  # the aggregates read timestamps differently per database

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


async def send(client: httpx.AsyncClient, listener: str, count: int) -> None:
    for number in range(count):
        body = f"transactionid=t{number}&contact[email]=c{number}@example.com"
        await client.post(listener, content=body.encode(), headers=FORM)


async def test_todays_successes_and_failures_are_counted_per_endpoint(
    client: httpx.AsyncClient, create_endpoint: CreateEndpoint, target: Target
) -> None:
    target.route("POST", "/broken", status=500)
    working = await create_endpoint("Working")
    broken = await create_endpoint(
        "Broken",
        actions=[{"name": "call", "request": {"url": f"{target.url}/broken"}}],
    )
    await create_endpoint("Quiet")
    await send(client, working, 3)
    await send(client, broken, 2)

    activity = await stats.activity_by_endpoint(stats.start_of_today())

    by_name = {row.name: activity.get(str(row.id)) for row in await queries.list_endpoints()}
    assert by_name["Working"] is not None
    assert by_name["Broken"] is not None
    assert (by_name["Working"].succeeded, by_name["Working"].failed) == (3, 0)
    assert (by_name["Broken"].succeeded, by_name["Broken"].failed) == (0, 2)
    assert by_name["Quiet"] is None
    html = (await client.get("/")).text
    assert "3 delivered" in html
    assert "2 failed" in html
    assert "Nothing yet" in html  # Quiet


async def test_earlier_days_count_for_the_last_event_but_not_for_today(
    client: httpx.AsyncClient, create_endpoint: CreateEndpoint
) -> None:
    listener = await create_endpoint("Yesterday's")
    await send(client, listener, 2)
    yesterday = stats.start_of_today() - timedelta(hours=1)
    await Event.all().update(received_at=yesterday)

    [activity] = (await stats.activity_by_endpoint(stats.start_of_today())).values()

    assert (activity.succeeded, activity.failed) == (0, 0)
    assert activity.last_event_at == yesterday
