"""The log pages by (received_at, id): every event shows once, however times tie."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest
from deliveries_support import event_ids, send_contact
from tortoise import connections
from ui_support import CreateEndpoint

from server.store.db import backend_of
from server.store.deliveries import PAGE_SIZE, DeliveryFilter, delivery_page
from server.store.models import Event

pytestmark = pytest.mark.postgres

EVERYTHING = DeliveryFilter()


async def send(client: httpx.AsyncClient, listener: str, count: int) -> list[str]:
    """Send ``count`` contacts; their event ids, newest first."""
    ids = []
    for number in range(count):
        response = await send_contact(client, listener, f"c{number}@example.com", f"t{number}")
        ids.append(response.headers["x-switchboard-event"])
    return ids[::-1]


async def pages_older(size: int) -> list[list[str]]:
    """Every page from the newest, following "Older"."""
    pages, after = [], None
    while True:
        page = await delivery_page(EVERYTHING, after=after, size=size)
        pages.append([str(event.id) for event in page.events])
        if not page.has_older:
            return pages
        after = page.oldest_id


@pytest.mark.parametrize(("count", "size"), [(6, 3), (7, 3), (2, 3), (3, 3), (0, 3)])
async def test_paging_older_shows_every_event_once_in_order(
    client: httpx.AsyncClient, create_endpoint: CreateEndpoint, count: int, size: int
) -> None:
    ids = await send(client, await create_endpoint("Shop"), count)

    pages = await pages_older(size)

    assert [event for page in pages for event in page] == ids
    assert all(len(page) == size for page in pages[:-1])
    assert len(pages) == max(1, -(-count // size))


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC),
        datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),  # no microseconds: SQLite writes it shorter
    ],
)
async def test_events_received_at_the_same_moment_are_ordered_by_id(
    client: httpx.AsyncClient, create_endpoint: CreateEndpoint, moment: datetime
) -> None:
    ids = await send(client, await create_endpoint("Shop"), 5)
    await Event.all().update(received_at=moment)

    pages = await pages_older(2)

    assert [event for page in pages for event in page] == ids


async def test_paging_back_newer_returns_the_same_pages(
    client: httpx.AsyncClient, create_endpoint: CreateEndpoint
) -> None:
    ids = await send(client, await create_endpoint("Shop"), 7)
    third = await delivery_page(EVERYTHING, after=ids[5], size=3)

    second = await delivery_page(EVERYTHING, before=third.newest_id, size=3)
    first = await delivery_page(EVERYTHING, before=second.newest_id, size=3)

    assert [str(event.id) for event in third.events] == ids[6:]
    assert [str(event.id) for event in second.events] == ids[3:6]
    assert (second.has_newer, second.has_older) == (True, True)
    assert [str(event.id) for event in first.events] == ids[:3]
    assert (first.has_newer, first.has_older) == (False, True)


@pytest.mark.parametrize("cursor", ["not-an-id", "01a20000-0000-7000-8000-000000000000"])
async def test_a_cursor_naming_no_event_gives_the_newest_page(
    client: httpx.AsyncClient, create_endpoint: CreateEndpoint, cursor: str
) -> None:
    ids = await send(client, await create_endpoint("Shop"), 2)

    for direction in ("after", "before"):
        page = await client.get("/deliveries", params={direction: cursor})
        assert page.status_code == 200
        assert event_ids(page.text) == ids


async def test_the_pages_link_to_older_and_newer_keeping_the_filter(
    client: httpx.AsyncClient, create_endpoint: CreateEndpoint
) -> None:
    ids = await send(client, await create_endpoint("Shop"), PAGE_SIZE + 1)

    first = await client.get("/deliveries", params={"status": "delivered"})
    older_link = f"/deliveries?status=delivered&amp;after={ids[PAGE_SIZE - 1]}"
    second = await client.get(
        "/deliveries",
        params={"status": "delivered", "after": ids[PAGE_SIZE - 1]},
        headers={"HX-Request": "true"},
    )

    assert event_ids(first.text) == ids[:PAGE_SIZE]
    assert f'href="{older_link}"' in first.text
    assert f'hx-get="{older_link}"' in first.text
    assert "Newer" not in first.text
    assert event_ids(second.text) == ids[PAGE_SIZE:]
    assert f'href="/deliveries?status=delivered&amp;before={ids[PAGE_SIZE]}"' in second.text
    assert 'href="/deliveries?status=delivered"' in second.text  # Newest
    assert "Older" not in second.text


async def test_whole_seconds_as_the_event_writer_spells_them_page_correctly(
    client: httpx.AsyncClient, create_endpoint: CreateEndpoint, database_url: str
) -> None:
    """SQLite keeps text: the writer writes ``.000000``, tortoise's parameters leave it out."""
    if backend_of(database_url) != "sqlite":
        pytest.skip("PostgreSQL compares timestamps, not their spelling")
    ids = await send(client, await create_endpoint("Shop"), 5)
    await connections.get("default").execute_query(
        "UPDATE event SET received_at = ?", ["2026-01-02 03:04:05.000000+00:00"]
    )

    pages = await pages_older(2)

    assert [event for page in pages for event in page] == ids
