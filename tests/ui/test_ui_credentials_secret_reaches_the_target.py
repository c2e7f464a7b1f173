"""A secret saved on the Credentials pages is what the actions really send to the target."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from credentials_support import post_form
from support.target import Target
from ui_support import CreateEndpoint

from server.store import queries

pytestmark = pytest.mark.postgres

TOKEN = "tok-from-the-form-51c0"


def sending(target: Target, credential: str) -> dict[str, Any]:
    """A document part: one action that posts the contact to the target with ``credential``."""
    return {
        "credentials": {credential: {"type": "bearer"}},
        "actions": [
            {
                "name": "create",
                "request": {"url": f"{target.url}/contacts", "credential": credential},
                "fields": {"email": {"from": "$.body.contact.email"}},
            }
        ],
    }


async def test_a_created_credential_is_stored_and_sent_as_a_bearer_token(
    client: httpx.AsyncClient, target: Target, create_endpoint: CreateEndpoint
) -> None:
    created = await post_form(client, "/credentials", name="crm", type="bearer", token=TOKEN)
    assert created.status_code == 303
    stored = await queries.credential_with_secret("crm")
    assert stored is not None
    assert stored.secret == {"token": TOKEN}
    hook = await create_endpoint("Leads", **sending(target, "crm"))

    answer = await client.post(hook, data={"contact[email]": "a@example.com"})

    assert answer.status_code == 200, answer.text
    [request] = target.requests_to("/contacts")
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert request.json == {"email": "a@example.com"}


async def test_an_imported_credential_works_once_its_secret_is_set_on_its_page(
    client: httpx.AsyncClient, target: Target, create_endpoint: CreateEndpoint
) -> None:
    hook = await create_endpoint("Leads", **sending(target, "crm"))
    before = await client.post(hook, data={"contact[email]": "a@example.com"})
    assert before.status_code == 422  # the mapping cannot be applied yet
    assert target.requests == []

    saved = await post_form(client, "/credentials/crm", token=TOKEN)
    after = await client.post(hook, data={"contact[email]": "b@example.com"})

    assert saved.status_code == 303
    assert after.status_code == 200, after.text
    [request] = target.requests_to("/contacts")
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"


@pytest.mark.parametrize(
    ("fields", "where"),
    [
        ({"type": "header", "parameter": "X-Shop-Key", "value": TOKEN}, "header"),
        ({"type": "query", "parameter": "key", "value": TOKEN}, "query"),
    ],
)
async def test_an_api_key_goes_in_the_header_or_parameter_named_in_the_form(
    client: httpx.AsyncClient,
    target: Target,
    create_endpoint: CreateEndpoint,
    fields: dict[str, str],
    where: str,
) -> None:
    await post_form(client, "/credentials", name="shop", **fields)
    document = sending(target, "shop")
    document["credentials"] = {"shop": {"type": fields["type"]}}
    hook = await create_endpoint("Orders", **document)

    answer = await client.post(hook, data={"contact[email]": "a@example.com"})

    assert answer.status_code == 200, answer.text
    [request] = target.requests_to("/contacts")
    if where == "header":
        assert request.headers["X-Shop-Key"] == TOKEN
    else:
        assert request.query_dict == {"key": TOKEN}
