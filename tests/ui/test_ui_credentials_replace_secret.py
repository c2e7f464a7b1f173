""" "Replace secret" on a credential's page: the type stays, the name of its header may change."""

from __future__ import annotations

import re

import httpx
import pytest
from credentials_support import assert_no_secret_in, post_form

from server.store import queries

pytestmark = pytest.mark.postgres

OLD = "old-secret-77"
NEW = "new-secret-42"


async def test_a_new_token_replaces_the_old_one_and_the_page_says_so(
    client: httpx.AsyncClient,
) -> None:
    await queries.save_credential("crm", "bearer", {}, {"token": OLD})
    page = await client.get("/credentials/crm")
    assert "Replace secret" in page.text
    assert_no_secret_in(page.text, OLD)

    response = await post_form(client, "/credentials/crm", token=NEW, type="basic")

    assert response.status_code == 303
    assert response.headers["location"] == "/credentials/crm"
    stored = await queries.credential_with_secret("crm")
    assert stored is not None
    assert (stored.type, stored.secret) == ("bearer", {"token": NEW})  # the type stays
    shown = await client.get("/credentials/crm")
    assert "The new secret of “crm” is saved" in shown.text
    assert_no_secret_in(shown.text, OLD, NEW)


async def test_an_api_keys_header_name_can_change_with_its_secret(
    client: httpx.AsyncClient,
) -> None:
    await queries.save_credential("shop", "header", {"name": "X-Old", "note": "kept"}, {})
    page = await client.get("/credentials/shop")
    assert "Set its secret" in page.text
    assert 'id="parameter" name="parameter" type="text" value="X-Old"' in page.text

    response = await post_form(client, "/credentials/shop", parameter="X-New", value=NEW)

    assert response.status_code == 303
    stored = await queries.credential_with_secret("shop")
    assert stored is not None
    assert (stored.options, stored.secret) == ({"name": "X-New", "note": "kept"}, {"value": NEW})
    cleared = await post_form(client, "/credentials/shop", parameter="", value=NEW)
    assert cleared.status_code == 303
    stored = await queries.credential_with_secret("shop")
    assert stored is not None
    assert stored.options == {"note": "kept"}
    assert "API key in a header (X-API-Key)" in (await client.get("/credentials/shop")).text


@pytest.mark.parametrize("htmx", [True, False])
async def test_mistakes_keep_the_old_secret_and_are_explained_beside_the_field(
    client: httpx.AsyncClient, htmx: bool
) -> None:
    await queries.save_credential("erp", "basic", {}, {"username": "u", "password": OLD})

    response = await post_form(client, "/credentials/erp", htmx=htmx, username=NEW, password="")

    assert response.status_code == 422
    assert re.search(r'<p id="password-error" class="error">Enter the password.</p>', response.text)
    assert re.search(
        r'<p id="username-error" class="error">Enter the username again', response.text
    )
    assert response.text.lstrip().startswith('<section id="replace"') is htmx
    assert_no_secret_in(response.text, OLD, NEW)
    stored = await queries.credential_with_secret("erp")
    assert stored is not None
    assert stored.secret == {"username": "u", "password": OLD}


async def test_htmx_is_redirected_by_header(client: httpx.AsyncClient) -> None:
    await queries.save_credential("crm", "bearer", {}, {"token": OLD})
    response = await post_form(client, "/credentials/crm", htmx=True, token=NEW)
    assert response.status_code == 200
    assert response.headers["hx-redirect"] == "/credentials/crm"


async def test_a_type_this_version_cannot_set_is_left_alone(client: httpx.AsyncClient) -> None:
    await queries.save_credential("later", "oauth2", {}, {"client_secret": OLD})
    page = await client.get("/credentials/later")
    assert "switchboard credential set later" in page.text
    assert 'id="replace-form"' not in page.text

    response = await post_form(client, "/credentials/later", token=NEW)

    assert response.status_code == 422
    stored = await queries.credential_with_secret("later")
    assert stored is not None
    assert stored.secret == {"client_secret": OLD}


async def test_an_unknown_credential_is_not_found(client: httpx.AsyncClient) -> None:
    assert (await client.get("/credentials/nothing")).status_code == 404
    response = await post_form(client, "/credentials/nothing", token=NEW)
    assert response.status_code == 404
    assert await queries.list_credentials() == []
