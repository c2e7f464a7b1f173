"""Deleting a credential asks first, naming every endpoint that still uses it."""

from __future__ import annotations

import re

import httpx
import pytest
from credentials_support import post_form
from ui_support import CreateEndpoint

from server.store import queries

pytestmark = pytest.mark.postgres


def using(credential: str) -> dict[str, object]:
    return {
        "credentials": {credential: {"type": "bearer"}},
        "actions": [
            {
                "name": "upsert",
                "request": {"url": "https://crm.example/c", "credential": credential},
            }
        ],
    }


async def test_an_unused_credential_is_deleted_after_one_confirmation(
    client: httpx.AsyncClient,
) -> None:
    await queries.save_credential("old", "bearer", {}, {"token": "t"})

    asked = await post_form(client, "/credentials/old/delete")

    assert asked.status_code == 200
    assert "Delete “old”?" in asked.text
    assert "No endpoint uses it." in asked.text
    assert await queries.credential_by_name("old") is not None
    deleted = await post_form(client, "/credentials/old/delete", confirm="yes")
    assert deleted.status_code == 303
    assert deleted.headers["location"] == "/credentials"
    assert await queries.credential_by_name("old") is None
    assert "Credential “old” deleted." in (await client.get("/credentials")).text


@pytest.mark.parametrize("htmx", [True, False])
async def test_a_credential_in_use_is_deleted_only_after_a_warning_naming_its_endpoints(
    client: httpx.AsyncClient, create_endpoint: CreateEndpoint, htmx: bool
) -> None:
    await create_endpoint("Spring leads", **using("crm"))
    await create_endpoint("Audience", credentials={"crm": {"type": "bearer"}})

    asked = await post_form(client, "/credentials/crm/delete", htmx=htmx)

    assert asked.status_code == 200
    assert ("<html" in asked.text) is not htmx
    assert "2 endpoints still name it" in asked.text
    assert '<a href="/endpoints/spring-leads">Spring leads</a>' in asked.text
    assert '<a href="/endpoints/audience">Audience</a>' in asked.text
    assert "the actions that send it fail for every contact until a" in asked.text
    assert "Delete anyway" in asked.text
    warned = re.findall(r'name="warned" value="([^"]*)"', asked.text)
    assert sorted(warned) == ["audience", "spring-leads"]
    assert await queries.credential_by_name("crm") is not None

    deleted = await post_form(
        client, "/credentials/crm/delete", htmx=htmx, confirm="yes", warned=warned
    )

    if htmx:
        assert deleted.headers["hx-redirect"] == "/credentials"
    else:
        assert deleted.status_code == 303
    assert await queries.credential_by_name("crm") is None
    listed = await client.get("/credentials")
    assert "Credential “crm” deleted." in listed.text
    assert "Named by endpoints, but missing" in listed.text


async def test_a_confirmation_without_the_warning_deletes_nothing(
    client: httpx.AsyncClient, create_endpoint: CreateEndpoint
) -> None:
    await create_endpoint("Spring leads", **using("crm"))

    response = await post_form(client, "/credentials/crm/delete", confirm="yes")

    assert response.status_code == 200
    assert "Since you were asked, another endpoint started using it" in response.text
    assert await queries.credential_by_name("crm") is not None


async def test_an_endpoint_that_starts_using_it_after_the_warning_is_warned_about_too(
    client: httpx.AsyncClient, create_endpoint: CreateEndpoint
) -> None:
    await create_endpoint("Spring leads", **using("crm"))
    asked = await post_form(client, "/credentials/crm/delete")
    warned = re.findall(r'name="warned" value="([^"]*)"', asked.text)
    await create_endpoint("Autumn leads", **using("crm"))

    response = await post_form(client, "/credentials/crm/delete", confirm="yes", warned=warned)

    assert response.status_code == 200
    assert '<a href="/endpoints/autumn-leads">Autumn leads</a>' in response.text
    assert await queries.credential_by_name("crm") is not None


async def test_the_credentials_page_links_to_the_delete_step(client: httpx.AsyncClient) -> None:
    await queries.save_credential("crm", "bearer", {}, {"token": "t"})
    page = await client.get("/credentials/crm")
    assert 'action="/credentials/crm/delete"' in page.text
    assert 'hx-post="/credentials/crm/delete" hx-target="#delete-panel"' in page.text
