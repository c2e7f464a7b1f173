"""One URL serves the whole page to a browser and only its partial to htmx."""

from __future__ import annotations

import httpx
import pytest
from ui_support import CreateEndpoint

# (path, text only the partial's own markup has)
PAGES = [
    ("/", 'id="endpoint-table"'),
    ("/endpoints/new", 'id="new-endpoint"'),
    ("/endpoints/newsletter/sample", 'id="sample"'),
]


@pytest.mark.parametrize(("path", "partial_marker"), PAGES)
async def test_a_browser_gets_the_whole_page_and_htmx_the_partial(
    client: httpx.AsyncClient, create_endpoint: CreateEndpoint, path: str, partial_marker: str
) -> None:
    await create_endpoint("Newsletter")

    page = await client.get(path)
    partial = await client.get(path, headers={"HX-Request": "true"})

    assert page.status_code == partial.status_code == 200
    assert page.text.startswith("<!doctype html>")
    assert partial_marker in page.text
    assert "<html" not in partial.text
    assert partial.text.lstrip().startswith("<")
    assert partial_marker in partial.text
    assert page.headers["vary"] == partial.headers["vary"] == "HX-Request"
    assert page.headers["content-type"].startswith("text/html")


async def test_an_unknown_endpoint_is_not_found(client: httpx.AsyncClient) -> None:
    assert (await client.get("/endpoints/nothing-here")).status_code == 404
    assert (await client.get("/endpoints/nothing-here/sample")).status_code == 404
