"""The deliveries log filters by status and time and finds a contact by email or transactionid."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from deliveries_support import event_ids, send_contact
from support.target import Target
from ui_support import CreateEndpoint

from server.pipeline import EVENT_HEADER
from server.store.models import Event

pytestmark = pytest.mark.postgres


async def send_three(
    client: httpx.AsyncClient, create_endpoint: CreateEndpoint, target: Target
) -> dict[str, str]:
    """Two delivered events (Shop) and one failed (Broken); their ids by transactionid."""
    target.route("POST", "/broken", status=500)
    shop = await create_endpoint("Shop")
    broken = await create_endpoint(
        "Broken", actions=[{"name": "call", "request": {"url": f"{target.url}/broken"}}]
    )
    ids = {}
    for listener, email, transactionid in (
        (shop, "Ada@Example.com", "t-ada"),
        (shop, "bob@example.com", "t-bob"),
        (broken, "cy@example.com", "t-cy"),
    ):
        response = await send_contact(client, listener, email, transactionid)
        ids[transactionid] = response.headers[EVENT_HEADER]
    return ids


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["t-cy", "t-bob", "t-ada"]),
        ("?status=delivered", ["t-bob", "t-ada"]),
        ("?status=failed", ["t-cy"]),
        ("?status=duplicate", []),
        ("?status=no-such-status", ["t-cy", "t-bob", "t-ada"]),
        ("?q=ada@example.com", ["t-ada"]),
        ("?q=%20ADA@EXAMPLE.COM%20", ["t-ada"]),
        ("?q=t-bob", ["t-bob"]),
        ("?q=ada", []),
        ("?status=failed&q=t-bob", []),
    ],
)
async def test_the_log_shows_the_events_the_filter_asks_for_newest_first(
    client: httpx.AsyncClient,
    create_endpoint: CreateEndpoint,
    target: Target,
    query: str,
    expected: list[str],
) -> None:
    ids = await send_three(client, create_endpoint, target)

    page = await client.get(f"/deliveries{query}")

    assert page.status_code == 200
    assert event_ids(page.text) == [ids[transactionid] for transactionid in expected]


async def test_the_time_range_leaves_out_older_events(
    client: httpx.AsyncClient, create_endpoint: CreateEndpoint, target: Target
) -> None:
    ids = await send_three(client, create_endpoint, target)
    now = datetime.now(UTC)
    await Event.filter(id=ids["t-ada"]).update(received_at=now - timedelta(days=3))
    await Event.filter(id=ids["t-bob"]).update(received_at=now - timedelta(days=30))

    for period, expected in (
        ("hour", ["t-cy"]),
        ("week", ["t-cy", "t-ada"]),
        ("all", ["t-cy", "t-ada", "t-bob"]),
    ):
        page = await client.get("/deliveries", params={"period": period})
        assert event_ids(page.text) == [ids[t] for t in expected], period


async def test_an_endpoints_log_shows_only_its_own_events(
    client: httpx.AsyncClient, create_endpoint: CreateEndpoint, target: Target
) -> None:
    ids = await send_three(client, create_endpoint, target)

    shop = await client.get("/endpoints/shop/deliveries")
    broken = await client.get("/endpoints/broken/deliveries", params={"status": "failed"})

    assert event_ids(shop.text) == [ids["t-bob"], ids["t-ada"]]
    assert event_ids(broken.text) == [ids["t-cy"]]
    assert "Deliveries of Shop" in shop.text
    assert (await client.get("/endpoints/nothing/deliveries")).status_code == 404


async def test_each_row_says_its_status_in_words_with_the_answer_and_contact(
    client: httpx.AsyncClient, create_endpoint: CreateEndpoint, target: Target
) -> None:
    await send_three(client, create_endpoint, target)

    html = (await client.get("/deliveries", headers={"HX-Request": "true"})).text

    assert '<span class="status delivered">Delivered</span>' in html
    assert '<span class="status failed">Failed</span>' in html
    assert "HTTP 502" in html
    assert "HTTP 200" in html
    assert "ada@example.com" in html  # found however it was typed, shown as it is searched
    assert ">Broken</a>" in html


async def test_htmx_gets_the_table_and_a_browser_the_page_with_the_filters_kept(
    client: httpx.AsyncClient, create_endpoint: CreateEndpoint, target: Target
) -> None:
    await send_three(client, create_endpoint, target)
    query = {"status": "failed", "period": "week", "q": "cy@example.com"}

    page = await client.get("/deliveries", params=query)
    partial = await client.get("/deliveries", params=query, headers={"HX-Request": "true"})
    restored = await client.get(
        "/deliveries",
        params=query,
        headers={"HX-Request": "true", "HX-History-Restore-Request": "true"},
    )

    assert page.headers["vary"] == partial.headers["vary"] == "HX-Request"
    assert page.text.startswith("<!doctype html>")
    assert restored.text.startswith("<!doctype html>")  # htmx rebuilds the page from history
    assert partial.text.lstrip().startswith('<div id="deliveries"')
    assert "<html" not in partial.text
    assert event_ids(page.text) == event_ids(partial.text) != []
    assert '<option value="failed" selected>' in page.text
    assert '<option value="week" selected>' in page.text
    assert 'value="cy@example.com"' in page.text
    assert 'hx-push-url="true"' in page.text
    assert 'method="get" action="/deliveries"' in page.text  # works without JavaScript


async def test_an_empty_log_says_nothing_arrived_and_an_empty_filter_offers_a_way_back(
    client: httpx.AsyncClient, create_endpoint: CreateEndpoint
) -> None:
    await create_endpoint("Quiet")

    assert "Nothing has arrived yet" in (await client.get("/deliveries")).text
    filtered = (await client.get("/deliveries", params={"status": "failed"})).text
    assert "No events match these filters" in filtered
    assert '<a href="/deliveries">Show every event</a>' in filtered


async def test_over_long_filter_values_are_refused(client: httpx.AsyncClient) -> None:
    response = await client.get("/deliveries", params={"q": "x" * 1001})

    assert response.status_code == 400
