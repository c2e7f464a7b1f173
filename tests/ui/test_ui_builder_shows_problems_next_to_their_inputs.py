"""Rules that cannot work show each problem beside the input causing it; nothing is saved."""

from __future__ import annotations

import httpx
import pytest
from builder_support import editor_values, error_at, send_sample
from support.target import Target
from ui_support import CreateEndpoint, csrf_token

from server.store import queries

pytestmark = pytest.mark.postgres


async def test_each_problem_is_placed_on_its_input_and_the_mapping_is_unchanged(
    client: httpx.AsyncClient, target: Target, create_endpoint: CreateEndpoint
) -> None:
    hook = await create_endpoint(
        "Strict", actions=[{"name": "first", "request": {"url": f"{target.url}/a"}}]
    )
    await send_sample(client, hook)
    before = await queries.endpoint_by_key("strict")
    assert before is not None
    page = await client.get("/endpoints/strict/actions/new")
    values = {**editor_values(page.text), "_csrf_token": await csrf_token(client)}
    values |= {
        "name": "first",
        "url": "",
        "field-0-name": "email",
        "field-0-source": "$.body[?(",
        "field-1-name": "when",
        "field-1-source": "$.body.contact.email",
        "field-1-step-0-name": "date",
        "field-1-step-0-options": "tz: Nowhere/Atlantis",
        "field-2-name": "person",
        "field-2-source": "$.keys.person_id",
        "condition-0-path": "$.body.lead-score[0].score",
        "condition-0-op": "gte",
        "condition-0-value": "lots",
        "timeout": "soon",
    }

    saved = await client.post("/endpoints/strict/actions/new", data=values)

    assert saved.status_code == 422
    assert "address of the API" in error_at(saved.text, "url")
    assert "number" in error_at(saved.text, "condition-0-value")
    assert "seconds" in error_at(saved.text, "timeout")
    assert 'aria-invalid="true"' in saved.text
    after = await queries.endpoint_by_key("strict")
    assert after is not None
    assert after.revision == before.revision

    values |= {"url": f"{target.url}/b", "condition-0-value": "40", "timeout": "10"}
    saved = await client.post("/endpoints/strict/actions/new", data=values)

    assert saved.status_code == 422
    assert error_at(saved.text, "field-0-source") != ""
    assert "Nowhere/Atlantis" in error_at(saved.text, "field-1-step-0-options")
    assert "person_id" in error_at(saved.text, "action")
    assert "two actions are named" in error_at(saved.text, "name")


async def test_the_preview_updates_the_problems_in_place(
    client: httpx.AsyncClient, create_endpoint: CreateEndpoint
) -> None:
    hook = await create_endpoint("Live")
    await send_sample(client, hook)
    page = await client.get("/endpoints/live/actions/new")
    values = {**editor_values(page.text), "_csrf_token": await csrf_token(client)}
    values |= {"url": "https://api.example.com/x", "field-0-name": "a", "field-0-source": "$["}

    preview = await client.post(
        "/endpoints/live/actions/new/preview", data=values, headers={"HX-Request": "true"}
    )

    assert preview.status_code == 200
    assert 'id="error-field-0-source" hx-swap-oob="true">' in preview.text
    assert error_at(preview.text, "field-0-source") != ""
    assert error_at(preview.text, "url") == ""
    assert "Fix the problems marked in the rules" in preview.text
