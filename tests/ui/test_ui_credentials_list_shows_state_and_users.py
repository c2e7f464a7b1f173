"""The Credentials list: each credential's type in words, whether its secret is set, who uses it."""

from __future__ import annotations

import re

import httpx
import pytest
from ui_support import CreateEndpoint

from server.store import queries

pytestmark = pytest.mark.postgres


def row_of(html: str, name: str) -> str:
    """The table row of the credential called ``name`` (its HTML)."""
    found = re.search(
        rf"<tr>\s*<th scope=\"row\"[^>]*><a [^>]*>{re.escape(name)}</a>.*?</tr>", html, re.S
    )
    assert found is not None, html
    return found.group(0)


async def test_an_empty_list_says_what_a_credential_is_for(client: httpx.AsyncClient) -> None:
    response = await client.get("/credentials")
    assert response.status_code == 200
    assert "No credentials yet" in response.text
    assert "A credential keeps a secret an API asks for" in response.text
    assert 'href="/credentials/new"' in response.text


async def test_each_credential_shows_its_type_its_secret_state_and_its_endpoints(
    client: httpx.AsyncClient, create_endpoint: CreateEndpoint
) -> None:
    await queries.save_credential("crm", "bearer", {}, {"token": "t0ken"})
    await queries.save_credential("ads", "header", {"name": "X-Ads-Key"}, {})
    await queries.save_credential("shop", "query", {}, {"value": "v"})
    await queries.save_credential("erp", "basic", {}, {"username": "u"})
    await create_endpoint(
        "Spring leads",
        credentials={"crm": {"type": "bearer"}, "ads": {"type": "header"}},
        actions=[
            {"name": "upsert", "request": {"url": "https://crm.example/c", "credential": "crm"}}
        ],
    )
    await create_endpoint("Audience", credentials={"crm": {"type": "bearer"}})

    response = await client.get("/credentials")

    assert response.status_code == 200
    crm = row_of(response.text, "crm")
    assert "Bearer token" in crm
    assert '<span class="status success">Set</span>' in crm
    assert '<a href="/endpoints/spring-leads">Spring leads</a>' in crm
    assert "(sent by “upsert”)" in crm
    assert '<a href="/endpoints/audience">Audience</a>' in crm
    assert "(declared; no action sends it)" in crm
    ads = row_of(response.text, "ads")
    assert "API key in a header (X-Ads-Key)" in ads
    assert '<span class="status failed">Needs its secret</span>' in ads
    assert '<a href="/endpoints/spring-leads">Spring leads</a>' in ads
    shop = row_of(response.text, "shop")
    assert "API key in the query string (api_key)" in shop
    assert "Set" in shop
    assert "No endpoint" in shop
    erp = row_of(response.text, "erp")
    assert "Username and password" in erp
    assert "Needs its secret" in erp  # the password is missing
    assert "t0ken" not in response.text


async def test_a_name_endpoints_use_that_does_not_exist_is_listed_with_a_link_to_create_it(
    client: httpx.AsyncClient, create_endpoint: CreateEndpoint
) -> None:
    await create_endpoint("Leads", credentials={"hub spot": {"type": "header", "name": "X-Key"}})
    await queries.delete_credential("hub spot")  # the import created it without a secret

    response = await client.get("/credentials")

    assert "Named by endpoints, but missing" in response.text
    assert '<a href="/credentials/new?name=hub+spot&amp;type=header">' in response.text
    form = await client.get("/credentials/new?name=hub+spot&type=header")
    assert 'value="hub spot"' in form.text
    assert re.search(r'value="header"\s+checked', form.text)


async def test_htmx_gets_only_the_table(client: httpx.AsyncClient) -> None:
    await queries.save_credential("crm", "bearer", {}, {"token": "t"})
    response = await client.get("/credentials", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<div id="credential-table">')
    assert response.headers["vary"] == "HX-Request"
