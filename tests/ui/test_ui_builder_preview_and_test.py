"""The preview shows the request for the sample (secrets masked); Send test really sends it."""

from __future__ import annotations

import html

import httpx
import pytest
from builder_support import editor_values, send_sample
from support.target import Target
from ui_support import CreateEndpoint, csrf_token

from server.store import queries
from server.store.models import Event

pytestmark = pytest.mark.postgres

SECRET = "pat-na1-very-secret"


async def hubspot_like(target: Target, create_endpoint: CreateEndpoint, name: str) -> str:
    hook = await create_endpoint(
        name,
        credentials={"crm": {"type": "bearer"}},
        actions=[
            {
                "name": "upsert",
                "when": {"path": "$.body.lead-score[0].score", "op": "gte", "value": 40},
                "request": {"url": f"{target.url}/upsert", "credential": "crm"},
                "fields": {
                    "properties.email": {"from": "$.body.contact.email", "transform": ["upper"]}
                },
                "response": {"crm_id": "$.id"},
            }
        ],
    )
    await queries.save_credential("crm", "bearer", {}, {"token": SECRET})
    return hook


async def editor(client: httpx.AsyncClient, url: str) -> dict[str, str]:
    page = await client.get(url)
    assert page.status_code == 200, page.text
    return {**editor_values(page.text), "_csrf_token": await csrf_token(client)}


async def test_the_preview_shows_the_request_with_the_secret_masked(
    client: httpx.AsyncClient, target: Target, create_endpoint: CreateEndpoint
) -> None:
    hook = await hubspot_like(target, create_endpoint, "Previewed")
    await send_sample(client, hook)
    values = await editor(client, "/endpoints/previewed/actions/1")
    sent_before = len(target.requests)

    preview = await client.post("/endpoints/previewed/actions/1/preview", data=values)

    assert preview.status_code == 200
    text = html.unescape(preview.text)
    assert f"{target.url}/upsert" in text
    assert "JANE.DOE+BENCH@EXAMPLE.COM" in text
    assert "Bearer" not in text
    assert SECRET not in text
    assert "[redacted]" in text
    assert len(target.requests) == sent_before


async def test_the_preview_follows_each_change_and_says_when_the_action_is_skipped(
    client: httpx.AsyncClient, target: Target, create_endpoint: CreateEndpoint
) -> None:
    hook = await hubspot_like(target, create_endpoint, "Changing")
    await send_sample(client, hook)
    values = await editor(client, "/endpoints/changing/actions/1")
    values["field-0-step-0-name"] = "lower"
    values["condition-0-value"] = "1000"

    preview = await client.post("/endpoints/changing/actions/1/preview", data=values)

    text = html.unescape(preview.text)
    assert "jane.doe+bench@example.com" in text
    assert "this action would be skipped" in text


async def test_send_test_calls_the_target_and_offers_its_answer_as_keys(
    client: httpx.AsyncClient, target: Target, create_endpoint: CreateEndpoint
) -> None:
    target.route("POST", "/upsert", status=200, json={"id": "512", "props": {"owner": "ann"}})
    hook = await hubspot_like(target, create_endpoint, "Tested")
    await send_sample(client, hook)
    events_before = await Event.all().count()
    sent_before = len(target.requests)
    values = await editor(client, "/endpoints/tested/actions/1")

    result = await client.post("/endpoints/tested/actions/1/test", data=values)

    assert result.status_code == 200
    text = html.unescape(result.text)
    assert "HTTP 200" in text
    assert 'value="pick-key:$.props.owner"' in text
    assert '"crm_id": "512"' in text
    assert len(target.requests) == sent_before + 1
    sent = target.requests[-1]
    assert sent.headers["Authorization"] == f"Bearer {SECRET}"
    assert SECRET not in text
    assert await Event.all().count() == events_before


async def test_a_picked_answer_value_becomes_a_response_key(
    client: httpx.AsyncClient, target: Target, create_endpoint: CreateEndpoint
) -> None:
    hook = await hubspot_like(target, create_endpoint, "Keyed")
    await send_sample(client, hook)
    values = await editor(client, "/endpoints/keyed/actions/1")

    page = await client.post(
        "/endpoints/keyed/actions/1/change", data={**values, "op": "pick-key:$.props.owner"}
    )

    after = editor_values(page.text)
    assert (after["key-1-name"], after["key-1-source"]) == ("owner", "$.props.owner")
    # A sample value never lands in a response key row, even when that row is being edited.
    page = await client.post(
        "/endpoints/keyed/actions/1/change",
        data={**values, "op": "pick:$.body.contact.email", "active": "key-0-name"},
    )
    after = editor_values(page.text)
    assert after["key-0-source"] == "$.id"
    assert after["field-1-source"] == "$.body.contact.email"
