"""A marketer builds an action by picking values from the sample; the listener then uses it."""

from __future__ import annotations

import html

import httpx
import pytest
from builder_support import FORM_SAMPLE, editor_values, send_sample
from support.target import Target
from ui_support import CreateEndpoint, csrf_token

from server.store import queries

pytestmark = pytest.mark.postgres


async def change(
    client: httpx.AsyncClient, url: str, values: dict[str, str], op: str, **extra: str
) -> str:
    page = await client.post(f"{url}/change", data={**values, "op": op, **extra})
    assert page.status_code == 200, page.text
    return page.text


async def test_picked_values_become_the_request_the_listener_sends(
    client: httpx.AsyncClient, target: Target, create_endpoint: CreateEndpoint
) -> None:
    target.route("POST", "/contacts", status=201, json={"id": "c-77", "properties": {}})
    hook = await create_endpoint("Built by hand")
    await send_sample(client, hook)
    url = "/endpoints/built-by-hand/actions/new"
    page = await client.get(url)
    assert page.status_code == 200
    shown = html.unescape(page.text)
    assert 'value="pick:$.body.contact.email"' in shown
    assert "value=\"pick:$.field['Company']\"" in shown

    values = {**editor_values(page.text), "_csrf_token": await csrf_token(client)}
    values |= {"name": "Create contact", "url": f"{target.url}/contacts"}
    # With the empty first row being edited, a pick fills it (and names it).
    page_text = await change(
        client, url, values, "pick:$.body.contact.email", active="field-0-name"
    )
    values = {**editor_values(page_text), "_csrf_token": values["_csrf_token"]}
    assert values["field-0-source"] == "$.body.contact.email"
    assert values["field-0-name"] == "email"
    # With no row being edited, a pick adds a row.
    page_text = await change(client, url, values, "pick:$.field['Company']")
    values = {**editor_values(page_text), "_csrf_token": values["_csrf_token"]}
    assert (values["field-1-name"], values["field-1-source"]) == ("company", "$.field['Company']")
    values |= {"field-0-name": "properties.email", "field-1-name": "properties.company"}
    page_text = await change(
        client, url, values, "add-step-field-1", **{"new_step_field-1": "upper"}
    )
    values = {**editor_values(page_text), "_csrf_token": values["_csrf_token"]}
    assert values["field-1-step-0-name"] == "upper"
    page_text = await change(client, url, values, "add-key")
    values = {**editor_values(page_text), "_csrf_token": values["_csrf_token"]}
    values |= {"key-0-name": "crm_id", "key-0-source": "$.id"}

    saved = await client.post(url, data=values)

    assert saved.status_code == 303
    assert saved.headers["location"] == "/endpoints/built-by-hand?done=saved"
    answer = await client.post(
        hook.replace("/hooks/", "/hooks/"),
        content=FORM_SAMPLE.replace(b"8f1c2a7e", b"11111111"),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"crm_id": "c-77"}
    [sent] = target.requests_to("/contacts")
    assert sent.json == {
        "properties": {"email": "jane.doe+bench@example.com", "company": "ACME WIDGETS & CO."}
    }
    endpoint = await queries.endpoint_by_key("built-by-hand")
    assert endpoint is not None
    assert endpoint.document["actions"][0]["response"] == {"crm_id": "$.id"}


async def test_the_endpoint_page_lists_the_actions_with_edit_links(
    client: httpx.AsyncClient, target: Target, create_endpoint: CreateEndpoint
) -> None:
    await create_endpoint(
        "Listed",
        actions=[
            {"name": "find <person>", "request": {"method": "GET", "url": f"{target.url}/f"}},
            {"name": "create", "request": {"url": f"{target.url}/c"}},
        ],
    )

    page = await client.get("/endpoints/listed")

    assert page.status_code == 200
    assert "find &lt;person&gt;" in page.text
    assert 'href="/endpoints/listed/actions/1"' in page.text
    assert 'href="/endpoints/listed/actions/2"' in page.text
    assert 'href="/endpoints/listed/actions/new"' in page.text


async def test_an_action_that_does_not_exist_is_a_friendly_404(
    client: httpx.AsyncClient, create_endpoint: CreateEndpoint
) -> None:
    await create_endpoint("Empty")

    assert (await client.get("/endpoints/empty/actions/3")).status_code == 404
    assert (await client.get("/endpoints/missing/actions/new")).status_code == 404
