"""Helpers the UI tests share (fixtures are in conftest.py)."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

import httpx

# create_endpoint(name, **document_parts) -> the endpoint's listener path
CreateEndpoint = Callable[..., Awaitable[str]]


async def csrf_token(client: httpx.AsyncClient) -> str:
    """The token a page hands the browser (the client keeps the matching cookie)."""
    page = await client.get("/endpoints/new")
    found = re.search(r'name="_csrf_token" value="([0-9a-f]+)"', page.text)
    assert found is not None, page.text
    return found.group(1)
