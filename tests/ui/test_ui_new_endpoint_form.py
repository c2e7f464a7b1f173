""" "New endpoint": a name, optionally a preset; mistakes are explained beside the field."""

from __future__ import annotations

import httpx
import pytest
from ui_support import CreateEndpoint, csrf_token

from server.store import queries


async def post_form(client: httpx.AsyncClient, htmx: bool, **fields: str) -> httpx.Response:
    token = await csrf_token(client)
    headers = {"HX-Request": "true"} if htmx else {}
    return await client.post("/endpoints", data={**fields, "_csrf_token": token}, headers=headers)


async def test_a_blank_endpoint_is_created_and_the_browser_goes_to_its_page(
    client: httpx.AsyncClient,
) -> None:
    response = await post_form(client, htmx=False, name="  Spring   leads ")
    assert response.status_code == 303
    assert response.headers["location"] == "/endpoints/spring-leads"
    endpoint = await queries.endpoint_by_key("spring-leads")
    assert endpoint is not None
    assert endpoint.name == "Spring leads"
    assert endpoint.document.get("actions", []) == []
    assert "Waiting for a sample" in (await client.get("/endpoints/spring-leads")).text


async def test_htmx_is_redirected_by_header(client: httpx.AsyncClient) -> None:
    response = await post_form(client, htmx=True, name="Spring leads")
    assert response.status_code == 200
    assert response.headers["hx-redirect"] == "/endpoints/spring-leads"


async def test_a_preset_brings_its_actions_under_the_new_name(client: httpx.AsyncClient) -> None:
    response = await post_form(
        client, htmx=False, name="Our HubSpot", preset="hubspot-contacts.yaml"
    )
    assert response.headers["location"] == "/endpoints/our-hubspot"
    endpoint = await queries.endpoint_by_key("our-hubspot")
    assert endpoint is not None
    assert endpoint.name == "Our HubSpot"
    assert endpoint.document.get("actions")
    assert await queries.endpoint_by_key("hubspot-contacts") is None


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"name": "   "}, "name", "Give the endpoint a name"),
        ({"name": "x" * 201}, "name", "Keep the name under 200 characters"),
        ({"name": "Newsletter!"}, "name", "There is already an endpoint called “Newsletter”"),
        ({"name": "New"}, "name", "is a word the pages use"),
        ({"name": "Fine", "preset": "../secrets.yaml"}, "preset", "not available any more"),
    ],
)
@pytest.mark.parametrize("htmx", [True, False])
async def test_mistakes_are_explained_beside_the_field_and_nothing_is_created(
    client: httpx.AsyncClient,
    create_endpoint: CreateEndpoint,
    fields: dict[str, str],
    field: str,
    message: str,
    htmx: bool,
) -> None:
    await create_endpoint("Newsletter")
    response = await post_form(client, htmx=htmx, **fields)
    assert response.status_code == 422
    assert f'<p id="{field}-error" class="error">' in response.text
    assert message in response.text
    assert ("<html" in response.text) is not htmx
    assert [row.name for row in await queries.list_endpoints()] == ["Newsletter"]
