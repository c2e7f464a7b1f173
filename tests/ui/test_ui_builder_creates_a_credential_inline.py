"""A credential created inside the action editor is stored, chosen, and never shown again."""

from __future__ import annotations

import httpx
import pytest
from builder_support import editor_values, error_at
from ui_support import CreateEndpoint, csrf_token

from server.store import queries

pytestmark = pytest.mark.postgres


async def test_the_new_credential_is_stored_and_selected_without_echoing_its_secret(
    client: httpx.AsyncClient, create_endpoint: CreateEndpoint
) -> None:
    await create_endpoint("Keyed API")
    page = await client.get("/endpoints/keyed-api/actions/new")
    values = {**editor_values(page.text), "_csrf_token": await csrf_token(client)}
    values |= {
        "op": "create-credential",
        "new_credential_name": "acme",
        "new_credential_type": "header",
        "new_credential_header": "X-Acme-Key",
        "new_credential_token": "s3cr3t-value",
    }

    page = await client.post("/endpoints/keyed-api/actions/new/change", data=values)

    assert page.status_code == 200
    assert "s3cr3t-value" not in page.text
    assert editor_values(page.text)["credential"] == "acme"
    stored = await queries.credential_with_secret("acme")
    assert stored is not None
    assert (stored.type, stored.options, stored.secret) == (
        "header",
        {"name": "X-Acme-Key"},
        {"value": "s3cr3t-value"},
    )


async def test_a_taken_name_is_refused_beside_the_name(
    client: httpx.AsyncClient, create_endpoint: CreateEndpoint
) -> None:
    await create_endpoint("Twice")
    await queries.save_credential("acme", "bearer", {}, {"token": "old"})
    page = await client.get("/endpoints/twice/actions/new")
    values = {**editor_values(page.text), "_csrf_token": await csrf_token(client)}
    values |= {
        "op": "create-credential",
        "new_credential_name": "acme",
        "new_credential_type": "bearer",
        "new_credential_token": "new",
    }

    page = await client.post("/endpoints/twice/actions/new/change", data=values)

    assert "exists" in error_at(page.text, "new_credential_name")
    stored = await queries.credential_with_secret("acme")
    assert stored is not None
    assert stored.secret == {"token": "old"}
