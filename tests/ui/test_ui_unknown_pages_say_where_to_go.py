"""A page that does not exist says so in words, with a way back; machines still get JSON."""

from __future__ import annotations

import httpx


async def test_an_unknown_endpoint_page_is_a_friendly_404(client: httpx.AsyncClient) -> None:
    response = await client.get("/endpoints/no-such-endpoint")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "No endpoint has the key &#39;no-such-endpoint&#39;." in response.text
    assert 'href="/"' in response.text


async def test_an_unknown_address_is_a_friendly_404(client: httpx.AsyncClient) -> None:
    response = await client.get("/nothing/here")
    assert response.status_code == 404
    assert "There is no page at this address." in response.text


async def test_machine_paths_keep_json_404s(client: httpx.AsyncClient) -> None:
    response = await client.get("/static/missing.css")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/json")
