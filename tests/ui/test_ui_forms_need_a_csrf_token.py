"""UI forms and htmx requests need the CSRF token; listeners and the health check do not."""

from __future__ import annotations

import httpx
from ui_support import CreateEndpoint, csrf_token

from server.store import queries

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


async def test_a_post_without_the_token_is_refused_and_creates_nothing(
    client: httpx.AsyncClient,
) -> None:
    await client.get("/")  # the browser has its cookie, but the forger has no token
    response = await client.post("/endpoints", data={"name": "Forged"})
    assert response.status_code == 403
    assert await queries.list_endpoints() == []


async def test_a_post_with_a_token_from_another_secret_is_refused(
    client: httpx.AsyncClient,
) -> None:
    await client.get("/")
    forged = "0" * 64 + "1" * 64
    response = await client.post("/endpoints", data={"name": "Forged", "_csrf_token": forged})
    assert response.status_code == 403


async def test_the_form_token_and_the_htmx_header_are_both_accepted(
    client: httpx.AsyncClient,
) -> None:
    token = await csrf_token(client)
    by_form = await client.post("/endpoints", data={"name": "By form", "_csrf_token": token})
    by_header = await client.post(
        "/endpoints",
        data={"name": "By header"},
        headers={"x-csrftoken": token, "HX-Request": "true"},
    )
    assert by_form.status_code == 303
    assert by_header.status_code == 200
    assert [row.name for row in await queries.list_endpoints()] == ["By form", "By header"]


async def test_listeners_take_posts_without_a_token(
    client: httpx.AsyncClient, create_endpoint: CreateEndpoint
) -> None:
    listener = await create_endpoint("Open to the platform")
    response = await client.post(listener, content=b"contact[email]=a@example.com", headers=FORM)
    assert response.status_code == 200
