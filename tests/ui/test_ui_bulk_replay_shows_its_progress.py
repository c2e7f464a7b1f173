"""The replay control, question and progress work with htmx (in place) and without (pages)."""

from __future__ import annotations

import asyncio
import html
import re

import httpx
import pytest
from bulk_replay_support import (
    DEADLINE_SECONDS,
    Switch,
    counts_of,
    create_action,
    endpoint_key,
    send,
    state_of,
    wait_until_ended,
)
from support.target import Target
from ui_support import CreateEndpoint, csrf_token

import server.web.replays

pytestmark = pytest.mark.postgres
HTMX = {"HX-Request": "true"}


async def failed_events(
    client: httpx.AsyncClient, target: Target, create_endpoint: CreateEndpoint, count: int
) -> tuple[Switch, str]:
    switch = Switch()
    target.route("POST", "/c", switch)
    listener = await create_endpoint("HubSpot contacts", actions=create_action(target))
    for number in range(count):
        await send(client, listener, f"e-{number}")
    return switch, await endpoint_key("HubSpot contacts")


async def test_the_log_offers_the_replay_for_its_current_filters(
    client: httpx.AsyncClient, target: Target, create_endpoint: CreateEndpoint
) -> None:
    _, key = await failed_events(client, target, create_endpoint, 1)

    overall = (await client.get("/deliveries")).text
    endpoint = (await client.get(f"/endpoints/{key}/deliveries")).text

    button = re.search(r"<button[^>]*>Replay these events…</button>", endpoint, re.S)
    assert button is not None
    # Without JavaScript the button submits the filter form to the question's page.
    assert 'form="delivery-filters"' in button.group(0)
    assert f'formaction="/endpoints/{key}/deliveries/replay" formmethod="get"' in button.group(0)
    assert 'hx-include="#delivery-filters"' in button.group(0)
    assert 'formaction="/deliveries/replay"' in overall
    assert '<div id="replay-panel"></div>' in overall


async def test_htmx_gets_the_question_and_a_browser_the_page(
    client: httpx.AsyncClient, target: Target, create_endpoint: CreateEndpoint
) -> None:
    _, key = await failed_events(client, target, create_endpoint, 2)
    url = f"/endpoints/{key}/deliveries/replay"

    partial = await client.get(url, params={"status": "failed"}, headers=HTMX)
    page = await client.get(url, params={"status": "failed"})

    assert partial.text.lstrip().startswith('<section id="replay-confirm"')
    assert "<html" not in partial.text
    assert page.text.startswith("<!doctype html>")
    assert partial.headers["vary"] == page.headers["vary"] == "HX-Request"
    for answer in (partial.text, page.text):
        assert "Replay 2 failed events of HubSpot contacts?" in answer
        assert 'method="post" action="/replays"' in answer
        assert 'name="_csrf_token"' in answer
        assert f'name="endpoint" value="{key}"' in answer
        assert 'name="status" value="failed"' in answer
        assert ">Replay 2 events</button>" in answer
    assert f'href="/endpoints/{key}/deliveries?status=failed">Don’t replay' in page.text
    assert 'hx-sync="closest section:replace"' in partial.text  # a pending re-ask gives way


async def test_on_the_log_the_question_follows_the_filters_without_taking_the_focus(
    client: httpx.AsyncClient, target: Target, create_endpoint: CreateEndpoint
) -> None:
    _, key = await failed_events(client, target, create_endpoint, 2)
    url = f"/endpoints/{key}/deliveries/replay"

    asked = await client.get(url, params={"status": "failed"}, headers=HTMX)
    asked_again = await client.get(
        url, params={"q": "e-1"}, headers={**HTMX, "HX-Trigger": "replay-confirm"}
    )

    assert (
        f'hx-get="{url}" hx-include="#delivery-filters" '
        'hx-trigger="change from:#delivery-filters, submit from:#delivery-filters"'
    ) in asked.text
    assert 'id="replay-confirm-heading" tabindex="-1" autofocus' in asked.text
    assert "Replay 1 event of HubSpot contacts matching “e-1”?" in asked_again.text
    assert "autofocus" not in asked_again.text


async def test_a_filter_that_matches_nothing_offers_nothing_to_confirm(
    client: httpx.AsyncClient, target: Target, create_endpoint: CreateEndpoint
) -> None:
    await failed_events(client, target, create_endpoint, 1)

    page = await client.get("/deliveries/replay", params={"status": "delivered"})
    started = await client.post(
        "/replays", data={"_csrf_token": await csrf_token(client), "status": "delivered"}
    )

    for answer in (page, started):
        assert answer.status_code == 200
        assert "Nothing to replay" in answer.text
        assert 'action="/replays"' not in answer.text
    assert len(target.requests) == 1


async def test_htmx_polls_the_progress_until_the_end_then_announces_it(
    client: httpx.AsyncClient, target: Target, create_endpoint: CreateEndpoint
) -> None:
    switch, key = await failed_events(client, target, create_endpoint, 3)
    switch.failing = False
    switch.hold()
    token = await csrf_token(client)
    try:
        started = await client.post(
            "/replays",
            data={"endpoint": key, "status": "failed"},
            headers={**HTMX, "x-csrftoken": token},
        )
        job_url = re.search(r'hx-get="(/replays/[0-9a-f]+)"', started.text)
        assert job_url is not None, started.text
        running = await client.get(job_url.group(1), headers=HTMX)
        page = await client.get(job_url.group(1))
    finally:
        switch.release()
    log = f"/endpoints/{key}/deliveries?status=failed"
    ended = await poll_until_it_stops(client, job_url.group(1), f"{client.base_url}{log}")
    ended_page = await client.get(job_url.group(1))
    ended_elsewhere = await client.get(
        job_url.group(1), headers={**HTMX, "HX-Current-URL": "http://elsewhere.example/deliveries"}
    )

    assert started.status_code == 200
    assert started.text.lstrip().startswith('<section id="replay-progress"')
    assert 'id="replay-heading" tabindex="-1" autofocus' in started.text
    assert 'hx-trigger="every 1s"' in running.text
    assert "autofocus" not in running.text  # polls leave the keyboard focus alone
    assert '<label for="replay-bar">Events replayed</label>' in running.text
    assert re.search(r'<progress id="replay-bar" max="3" value="0"', running.text)
    assert "0 of 3 replayed: 0 delivered, 0 failed" in running.text
    assert "Stop replaying" in running.text
    assert page.text.startswith("<!doctype html>")
    assert f'<a href="{job_url.group(1)}">Refresh</a>' in page.text
    assert 'id="flash" hx-swap-oob' not in page.text
    assert 'hx-trigger="every 1s"' not in ended
    assert "Refresh" not in ended
    assert re.search(r'<progress id="replay-bar" max="3" value="3"', ended)
    assert (
        '<div id="flash" hx-swap-oob="innerHTML">Replay finished. '
        "3 of 3 replayed: 3 delivered, 0 failed.</div>"
    ) in ended
    assert f'href="/endpoints/{key}/deliveries">See these events' in ended
    # On the log, the table under the panel is reloaded to show the new statuses.
    assert f'hx-get="{log}" hx-trigger="load" hx-target="#deliveries"' in ended
    assert 'hx-trigger="load"' not in ended_page.text
    assert 'hx-trigger="load"' not in ended_elsewhere.text


async def poll_until_it_stops(client: httpx.AsyncClient, job_url: str, shown_on: str) -> str:
    """Ask as htmx does on page ``shown_on``, as often as the answer says, until it says stop."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + DEADLINE_SECONDS
    headers = {**HTMX, "HX-Current-URL": shown_on}
    while True:
        answer = (await client.get(job_url, headers=headers)).text
        if 'hx-trigger="every 1s"' not in answer:
            return answer
        assert loop.time() < deadline, counts_of(answer)
        await asyncio.sleep(0.05)


async def test_over_the_cap_the_question_and_the_progress_say_so(
    client: httpx.AsyncClient,
    target: Target,
    create_endpoint: CreateEndpoint,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(server.web.replays, "REPLAY_CAP", 2)
    switch, key = await failed_events(client, target, create_endpoint, 3)
    switch.failing = False
    before = len(target.requests)

    question = await client.get(f"/endpoints/{key}/deliveries/replay")
    started = await client.post(
        "/replays", data={"_csrf_token": await csrf_token(client), "endpoint": key}
    )
    page = html.unescape(await wait_until_ended(client, started.headers["location"]))

    assert "Replay 3 events of HubSpot contacts?" in question.text
    assert "only the oldest 2 of the 3 events are replayed" in question.text
    assert ">Replay 2 events</button>" in question.text
    assert state_of(page) == "finished"
    assert counts_of(page) == "2 of 2 replayed: 2 delivered, 0 failed"
    assert "3 events matched: this replay takes the oldest 2." in page
    assert [r.transactionid for r in target.requests[before:]].count("e-2") == 0


async def test_an_unknown_replay_says_where_to_look(client: httpx.AsyncClient) -> None:
    page = await client.get("/replays/0123456789abcdef")

    assert page.status_code == 404
    assert "No replay has this id" in page.text
    assert (await client.post("/replays/nothing/cancel")).status_code == 403  # no token
