"""While the page waits, the poller replaces only ``#sample``, so a paste being typed beside it
is kept; when a sample arrives, the tools for choosing another come along out of band."""

from __future__ import annotations

import httpx
from ui_support import CreateEndpoint

# What htmx sends for the poller: it is its own target.
POLL = {"HX-Request": "true", "HX-Target": "sample"}
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


async def test_the_waiting_page_offers_a_paste_beside_the_poller(
    client: httpx.AsyncClient, create_endpoint: CreateEndpoint
) -> None:
    await create_endpoint("Leads")

    page = (await client.get("/endpoints/leads")).text

    assert '<div id="sample-area" class="sample-area">' in page
    assert "Waiting for a sample" in page
    assert "<summary>Paste a body instead</summary>" in page
    assert '<textarea id="sample-text" name="text"' in page
    assert 'hx-target="#sample-area"' in page
    assert "Or pick a recent event" not in page  # nothing has arrived to pick


async def test_the_poll_while_waiting_answers_only_the_poller(
    client: httpx.AsyncClient, create_endpoint: CreateEndpoint
) -> None:
    await create_endpoint("Leads")

    polled = (await client.get("/endpoints/leads/sample", headers=POLL)).text

    assert polled.lstrip().startswith('<div id="sample" class="sample waiting"')
    assert 'hx-trigger="every 2s"' in polled
    assert "sample-tools" not in polled
    assert "<textarea" not in polled
    assert "sample-area" not in polled


async def test_the_poll_that_finds_a_sample_brings_the_tools_out_of_band(
    client: httpx.AsyncClient, create_endpoint: CreateEndpoint
) -> None:
    listener = await create_endpoint("Leads")
    await client.post(listener, content=b"contact[email]=jane@example.com", headers=FORM)

    polled = (await client.get("/endpoints/leads/sample", headers=POLL)).text

    assert polled.lstrip().startswith('<div id="sample" class="sample">')
    assert "jane@example.com" in polled
    assert '<div id="sample-tools" class="sample-tools" hx-swap-oob="outerHTML">' in polled
    assert "<summary>Use another sample</summary>" in polled
    assert 'hx-swap-oob="innerHTML">A sample arrived' in polled
    assert "sample-area" not in polled.split('<div id="sample-tools"')[0]


async def test_the_whole_page_carries_the_tools_in_place(
    client: httpx.AsyncClient, create_endpoint: CreateEndpoint
) -> None:
    listener = await create_endpoint("Leads")
    await client.post(listener, content=b"contact[email]=jane@example.com", headers=FORM)

    page = (await client.get("/endpoints/leads")).text

    assert '<div id="sample-tools" class="sample-tools">' in page
    assert "hx-swap-oob" not in page
