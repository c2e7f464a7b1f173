""" "New credential": a name, how the API expects it, the secret; mistakes beside the field.

Whatever else is wrong, a secret typed into the form is never written back into the page.
"""

from __future__ import annotations

import re

import httpx
import pytest
from credentials_support import assert_no_secret_in, post_form

from server.store import queries

pytestmark = pytest.mark.postgres

TOKEN = "tok-3f9a81c2d4"
PASSWORD = "  pa ss  "


async def test_a_bearer_token_is_stored_and_the_list_says_so_once(
    client: httpx.AsyncClient,
) -> None:
    response = await post_form(client, "/credentials", name="  crm  ", type="bearer", token=TOKEN)

    assert response.status_code == 303
    assert response.headers["location"] == "/credentials"
    stored = await queries.credential_with_secret("crm")
    assert stored is not None
    assert (stored.type, stored.options, stored.secret) == ("bearer", {}, {"token": TOKEN})
    listed = await client.get("/credentials")
    assert "Credential “crm” saved" in listed.text
    assert '<span class="status success">Set</span>' in listed.text
    assert_no_secret_in(listed.text, TOKEN)
    again = await client.get("/credentials")
    assert "Credential “crm” saved" not in again.text


async def test_htmx_is_redirected_by_header(client: httpx.AsyncClient) -> None:
    response = await post_form(
        client, "/credentials", htmx=True, name="crm", type="bearer", token=TOKEN
    )
    assert response.status_code == 200
    assert response.headers["hx-redirect"] == "/credentials"
    assert "Credential “crm” saved" in (await client.get("/credentials")).text


@pytest.mark.parametrize(
    ("fields", "options", "secret"),
    [
        (
            {"type": "header", "parameter": "X-Shop-Key", "value": " k1 "},
            {"name": "X-Shop-Key"},
            {"value": "k1"},
        ),
        ({"type": "header", "parameter": "", "value": "k1"}, {}, {"value": "k1"}),
        (
            {"type": "query", "parameter": "apikey", "value": "k2"},
            {"name": "apikey"},
            {"value": "k2"},
        ),
        (
            {"type": "basic", "username": "ann", "password": PASSWORD, "token": "ignored"},
            {},
            {"username": "ann", "password": PASSWORD},
        ),
        ({"type": "bearer", "parameter": "X-Ignored", "token": "t"}, {}, {"token": "t"}),
    ],
)
async def test_each_type_stores_the_values_it_needs_and_only_those(
    client: httpx.AsyncClient,
    fields: dict[str, str],
    options: dict[str, str],
    secret: dict[str, str],
) -> None:
    response = await post_form(client, "/credentials", name="api", **fields)
    assert response.status_code == 303
    stored = await queries.credential_with_secret("api")
    assert stored is not None
    assert (stored.type, stored.options, stored.secret) == (fields["type"], options, secret)


@pytest.mark.parametrize(
    "name", ["x" * 200, "HubSpot (prod) / EU – ü", "100% <ok> & ?#", "new", ".."]
)
async def test_any_name_a_mapping_file_accepts_can_be_created(
    client: httpx.AsyncClient, name: str
) -> None:
    response = await post_form(client, "/credentials", name=name, type="bearer", token=TOKEN)
    assert response.status_code == 303
    assert await queries.credential_with_secret(name) is not None


BLANK_NAME = {"name": "   ", "type": "bearer", "token": TOKEN}
CASES = [
    (BLANK_NAME, "name", "Give the credential a name"),
    (BLANK_NAME, "token", "Enter the token again"),
    ({"name": "x" * 201, "type": "bearer", "token": TOKEN}, "name", "200 characters or fewer"),
    ({"name": "a\tb", "type": "bearer", "token": TOKEN}, "name", "no tabs or line breaks"),
    (
        {"name": "taken", "type": "bearer", "token": TOKEN},
        "name",
        "There is already a credential called “taken”",
    ),
    ({"name": "fine", "token": TOKEN}, "type", "Choose how the API expects the secret"),
    ({"name": "fine", "token": TOKEN}, "token", "Enter the token again"),
    ({"name": "fine", "type": "oauth9", "token": TOKEN}, "type", "Choose how the API expects"),
    ({"name": "fine", "type": "bearer", "token": "  "}, "token", "Enter the token."),
    ({"name": "fine", "type": "header", "value": ""}, "value", "Enter the API key."),
    (
        {"name": "fine", "type": "basic", "username": TOKEN, "password": ""},
        "password",
        "Enter the password.",
    ),
    (
        {"name": "fine", "type": "basic", "username": TOKEN, "password": ""},
        "username",
        "Enter the username again",
    ),
    (
        {"name": "fine", "type": "header", "parameter": "X API Key", "value": TOKEN},
        "parameter",
        "A header name is letters, digits and dashes",
    ),
    (
        {"name": "fine", "type": "header", "parameter": "X API Key", "value": TOKEN},
        "value",
        "Enter the API key again",
    ),
    (
        {"name": "fine", "type": "bearer", "token": "x" * 10_001},
        "token",
        "longer than 10,000 characters",
    ),
]


@pytest.mark.parametrize(("fields", "field", "message"), CASES)
@pytest.mark.parametrize("htmx", [True, False])
async def test_mistakes_are_explained_beside_the_field_and_the_secret_is_not_written_back(
    client: httpx.AsyncClient, fields: dict[str, str], field: str, message: str, htmx: bool
) -> None:
    await queries.save_credential("taken", "bearer", {}, {"token": "old"})

    response = await post_form(client, "/credentials", htmx=htmx, **fields)

    assert response.status_code == 422
    explained = re.search(rf'<p id="{field}-error" class="error">([^<]*)</p>', response.text)
    assert explained is not None, response.text
    assert message in explained.group(1)
    assert f'aria-describedby="{field}-hint {field}-error"' in response.text or (
        f'aria-describedby="{field}-error"' in response.text
    )
    assert ("<html" in response.text) is not htmx
    assert_no_secret_in(response.text, TOKEN)
    assert [row.name for row in await queries.list_credentials()] == ["taken"]


async def test_the_name_and_type_are_kept_when_the_form_comes_back(
    client: httpx.AsyncClient,
) -> None:
    response = await post_form(client, "/credentials", name="shop", type="query", parameter="k")
    assert response.status_code == 422
    assert 'id="name" name="name" type="text" value="shop"' in response.text
    assert re.search(r'value="query"\s+checked', response.text)
    assert 'id="parameter" name="parameter" type="text" value="k"' in response.text


async def test_without_javascript_every_types_fields_show_with_a_hint(
    client: httpx.AsyncClient,
) -> None:
    for page in (
        await client.get("/credentials/new"),
        await post_form(client, "/credentials", name="", type="basic"),
    ):
        assert "Fill in only the part for the type you chose" in page.text
        for field in ("token", "parameter", "value", "username", "password"):
            assert f'id="{field}" name="{field}"' in page.text
        assert page.text.count('type="password" autocomplete="off"') == 4


async def test_htmx_asks_for_the_chosen_types_fields_only(client: httpx.AsyncClient) -> None:
    response = await client.get("/credentials/new?type=basic", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert 'id="username" name="username" type="password" autocomplete="off"' in response.text
    assert 'id="password" name="password" type="password" autocomplete="off"' in response.text
    assert 'name="token"' not in response.text
    assert "Fill in only the part" not in response.text
    assert "hx-include=\"[name='type']\"" in response.text  # only the type is sent, never a secret
