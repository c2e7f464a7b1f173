"""The delivery queue on the pages: waiting counts per endpoint, the log's summary, the filter.

The events are written straight through the models in the states the queue gives them: due
ones are held by a lease of "another process" (so this server's worker leaves them alone),
the others have their retry in the future.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import pytest_asyncio
from deliveries_support import event_ids
from support.events import stored_event
from ui_support import CreateEndpoint

from server.store import queries, stats
from server.store.models import Endpoint
from server.web.deliveries import clock_time, tries_allowed

pytestmark = pytest.mark.postgres  # the aggregates read timestamps differently per database

TAG = re.compile(r"<[^>]+>")


@dataclass(frozen=True, slots=True)
class Queue:
    """The events the tests look at, by what they are, and when the data was written."""

    now: datetime
    shop: Endpoint
    other: Endpoint
    received_due: str
    pending_due: str
    pending_later: str
    other_pending: str
    delivered: str


async def add_event(
    endpoint: Endpoint,
    status: str,
    received_at: datetime,
    *,
    next_attempt_at: datetime | None = None,
    tries: int = 0,
    transactionid: str = "t-1",
) -> str:
    """An event in ``status``; when it is due, another process holds it for an hour."""
    due = next_attempt_at is not None and next_attempt_at <= datetime.now(UTC)
    event = await stored_event(
        endpoint.id,
        status,
        received_at,
        transactionid=transactionid,
        contact_email="ada@example.com",
        tries=tries,
        next_attempt_at=next_attempt_at,
        lease_owner="another-process" if due else None,
        lease_until=datetime.now(UTC) + timedelta(hours=1) if due else None,
    )
    return str(event.id)


@pytest_asyncio.fixture
async def queue(create_endpoint: CreateEndpoint) -> Queue:
    await create_endpoint("Shop")
    await create_endpoint("Other")
    await create_endpoint("Quiet")
    endpoints = {endpoint.name: endpoint for endpoint in await queries.list_endpoints()}
    shop, other = endpoints["Shop"], endpoints["Other"]
    now = datetime.now(UTC)
    received = now - timedelta(minutes=20)
    return Queue(
        now=now,
        shop=shop,
        other=other,
        received_due=await add_event(shop, "received", received, next_attempt_at=received),
        pending_due=await add_event(
            shop, "pending", now - timedelta(minutes=10), next_attempt_at=now, tries=1
        ),
        pending_later=await add_event(
            shop,
            "pending",
            now - timedelta(minutes=5),
            next_attempt_at=now + timedelta(hours=2),
            tries=2,
            transactionid="<b>t-later</b>",
        ),
        other_pending=await add_event(
            other, "pending", now - timedelta(minutes=1), next_attempt_at=now + timedelta(hours=1)
        ),
        delivered=await add_event(shop, "delivered", now - timedelta(hours=3)),
    )


def text_of(html: str) -> str:
    """The words a page shows: tags removed, white space collapsed."""
    return " ".join(TAG.sub("", html).split())


def row_of(html: str, name: str) -> str:
    """The endpoint list's table row of the endpoint called ``name``."""
    [row] = [row for row in html.split("<tr>") if f">{name}</a></th>" in row]
    return row


async def test_the_queue_is_counted_per_endpoint_and_for_all(queue: Queue) -> None:
    by_endpoint = await stats.queue_by_endpoint()
    overall = await stats.queue_depth()

    shop = by_endpoint[str(queue.shop.id)]
    assert (shop.waiting, shop.due) == (3, 2)
    assert shop.oldest_received_at == queue.now - timedelta(minutes=20)
    assert shop.next_retry_at == queue.now + timedelta(hours=2)
    other = by_endpoint[str(queue.other.id)]
    assert (other.waiting, other.due) == (1, 0)
    assert set(by_endpoint) == {str(queue.shop.id), str(queue.other.id)}  # not Quiet
    assert (overall.waiting, overall.due) == (4, 2)
    assert overall.oldest_received_at == shop.oldest_received_at
    assert overall.next_retry_at == queue.now + timedelta(hours=1)  # Other's comes first
    assert await stats.queue_depth(str(queue.shop.id)) == shop


async def test_the_endpoint_list_shows_what_waits_and_links_to_it(
    client: httpx.AsyncClient, queue: Queue
) -> None:
    html = (await client.get("/")).text

    shop = row_of(html, "Shop")
    assert 'href="/endpoints/shop/deliveries?status=waiting"' in shop
    assert "3 waiting for Shop" in text_of(shop)
    assert "1 waiting for Other" in text_of(row_of(html, "Other"))
    quiet = row_of(html, "Quiet")
    assert "waiting for" not in quiet
    assert "Nothing waiting" in quiet


async def test_the_log_sums_up_the_queue_of_what_it_shows(
    client: httpx.AsyncClient, queue: Queue
) -> None:
    shop = text_of((await client.get("/endpoints/shop/deliveries")).text)
    every = text_of((await client.get("/deliveries")).text)
    quiet = text_of((await client.get("/endpoints/quiet/deliveries")).text)

    later = clock_time(queue.now + timedelta(hours=2), datetime.now(UTC))
    assert (
        "3 waiting to be delivered · 2 due now · oldest received 20 min ago · "
        f"next retry at {later}"
    ) in shop
    sooner = clock_time(queue.now + timedelta(hours=1), datetime.now(UTC))
    assert (
        "4 waiting to be delivered · 2 due now · oldest received 20 min ago · "
        f"next retry at {sooner}"
    ) in every
    assert "Nothing waiting to be delivered." in quiet


async def test_the_waiting_to_retry_filter_shows_only_pending_events(
    client: httpx.AsyncClient, queue: Queue
) -> None:
    pending = await client.get("/deliveries", params={"status": "pending"})
    waiting = await client.get("/endpoints/shop/deliveries", params={"status": "waiting"})

    assert event_ids(pending.text) == [queue.other_pending, queue.pending_later, queue.pending_due]
    assert '<option value="pending" selected>Waiting to retry</option>' in pending.text
    assert "next try" in text_of(pending.text)
    assert event_ids(waiting.text) == [queue.pending_later, queue.pending_due, queue.received_due]
    # A payload value is shown as text, never as markup.
    assert "&lt;b&gt;t-later&lt;/b&gt;" in pending.text
    assert "<b>t-later</b>" not in pending.text


async def test_a_pending_event_says_when_it_is_tried_next(
    client: httpx.AsyncClient, queue: Queue
) -> None:
    page = text_of((await client.get(f"/events/{queue.pending_later}")).text)

    next_try = (queue.now + timedelta(hours=2)).strftime("%Y-%m-%d %H:%M:%S")
    assert "Waiting to retry" in page
    assert f"Next try at {next_try} UTC, try 3" in page


def test_an_event_gets_one_try_plus_one_per_retry_of_its_endpoint() -> None:
    own = Endpoint(document={"switchboard": 1, "endpoint": {"name": "A", "retries": [10, 60]}})
    default = Endpoint(document={"switchboard": 1, "endpoint": {"name": "B"}})

    assert tries_allowed(own, (0, 10, 60, 600)) == 3
    assert tries_allowed(default, (0, 10, 60, 600)) == 5
    assert tries_allowed(default, ()) == 1
