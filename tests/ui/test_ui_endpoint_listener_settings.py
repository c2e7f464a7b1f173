"""The endpoint page sets which methods the listener accepts and how it answers."""

from __future__ import annotations

import httpx
import pytest
from ui_support import CreateEndpoint, csrf_token

from server.store import queries

pytestmark = pytest.mark.postgres


async def test_get_can_be_allowed_and_answers_made_at_once(
    client: httpx.AsyncClient, create_endpoint: CreateEndpoint
) -> None:
    hook = await create_endpoint("Listens")
    assert (await client.get(f"{hook}?email=a@b.c")).status_code == 405
    token = await csrf_token(client)

    saved = await client.post(
        "/endpoints/listens/settings",
        data={"_csrf_token": token, "methods": ["POST", "GET"], "response": "async"},
    )

    assert saved.headers["location"] == "/endpoints/listens?done=settings"
    assert (await client.get(f"{hook}?email=a@b.c")).status_code == 202
    endpoint = await queries.endpoint_by_key("listens")
    assert endpoint is not None
    assert endpoint.document["endpoint"]["methods"] == ["POST", "GET"]
    page = await client.get(saved.headers["location"])
    assert "<strong>POST</strong> or <strong>GET</strong> method" in page.text
    assert "Settings saved." in page.text


async def test_no_method_at_all_is_refused(
    client: httpx.AsyncClient, create_endpoint: CreateEndpoint
) -> None:
    await create_endpoint("Stays")
    token = await csrf_token(client)

    saved = await client.post(
        "/endpoints/stays/settings", data={"_csrf_token": token, "response": "sync"}
    )

    assert saved.headers["location"] == "/endpoints/stays?done=settings_refused"
    endpoint = await queries.endpoint_by_key("stays")
    assert endpoint is not None
    assert endpoint.revision == 1
    assert endpoint.document["endpoint"]["methods"] == ["POST"]
