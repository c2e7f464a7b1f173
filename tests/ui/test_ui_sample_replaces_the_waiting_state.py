"""The endpoint page polls while it waits for a sample, and stops once one has arrived."""

from __future__ import annotations

import httpx
from ui_support import CreateEndpoint

SAMPLE = "contact[email]=jane@example.com&fields[0][name]=Company&fields[0][value]=Acme"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
HTMX = {"HX-Request": "true"}


async def test_the_waiting_partial_polls_itself(
    client: httpx.AsyncClient, create_endpoint: CreateEndpoint
) -> None:
    await create_endpoint("Leads")
    waiting = (await client.get("/endpoints/leads/sample", headers=HTMX)).text
    assert "Waiting for a sample" in waiting
    assert 'hx-get="/endpoints/leads/sample"' in waiting
    assert 'hx-trigger="every 2s"' in waiting
    assert 'href="/endpoints/leads/sample"' in waiting  # works without JavaScript too


async def test_a_sample_replaces_the_poller_and_is_announced_once(
    client: httpx.AsyncClient, create_endpoint: CreateEndpoint
) -> None:
    listener = await create_endpoint("Leads")
    await client.post(listener, content=SAMPLE.encode(), headers=FORM)

    partial = (await client.get("/endpoints/leads/sample", headers=HTMX)).text
    page = (await client.get("/endpoints/leads")).text

    for html in (partial, page):
        assert "hx-trigger" not in html
        assert "Waiting for a sample" not in html
        assert "jane@example.com" in html
        assert "<dt>Company</dt>" in html
        assert "Acme" in html
    assert 'hx-swap-oob="innerHTML"' in partial
    assert "A sample arrived" in partial
    assert "A sample arrived" not in page
