"""An endpoint switched off refuses contacts (404) until it is switched on again."""

from __future__ import annotations

import httpx
import pytest
from support.target import Target
from ui_support import CreateEndpoint, csrf_token

from server.imports import export_documents

pytestmark = pytest.mark.postgres


async def test_switching_off_then_on(
    client: httpx.AsyncClient, target: Target, create_endpoint: CreateEndpoint
) -> None:
    target.route("POST", "/c", json={"id": "1"})
    hook = await create_endpoint(
        "Switchable", actions=[{"name": "send", "request": {"url": f"{target.url}/c"}}]
    )
    token = await csrf_token(client)

    off = await client.post(
        "/endpoints/switchable/enabled", data={"_csrf_token": token, "enabled": "off"}
    )
    assert off.status_code == 303
    page = await client.get("/endpoints/switchable")
    assert "Switch on" in page.text
    assert "This endpoint is off" in page.text
    refused = await client.post(hook, data={"contact[email]": "a@b.c"})
    assert refused.status_code == 404
    [document] = await export_documents(["switchable"])
    assert document.endpoint.enabled is False

    await client.post("/endpoints/switchable/enabled", data={"_csrf_token": token, "enabled": "on"})
    accepted = await client.post(hook, data={"contact[email]": "a@b.c"})
    assert accepted.status_code == 200
    assert len(target.requests) == 1
    assert "Switch off" in (await client.get("/endpoints/switchable")).text


async def test_switching_an_unknown_endpoint_is_404(client: httpx.AsyncClient) -> None:
    token = await csrf_token(client)
    response = await client.post("/endpoints/nope/enabled", data={"_csrf_token": token})
    assert response.status_code == 404
