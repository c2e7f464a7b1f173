"""A later action uses a key an earlier action read: picked like any sample value."""

from __future__ import annotations

import html

import httpx
import pytest
from builder_support import FORM_SAMPLE, editor_values, send_sample
from support.target import Target
from ui_support import CreateEndpoint, csrf_token

pytestmark = pytest.mark.postgres


async def test_a_key_from_the_first_action_is_offered_and_sent_by_the_second(
    client: httpx.AsyncClient, target: Target, create_endpoint: CreateEndpoint
) -> None:
    target.route("GET", "/search", status=200, json={"items": [{"id": 41}]})
    target.route("PUT", "/persons", status=200, json={"ok": True})
    hook = await create_endpoint(
        "Chained",
        actions=[
            {
                "name": "find person",
                "request": {"method": "GET", "url": f"{target.url}/search", "body": "none"},
                "response": {"person_id": "$.items[0].id"},
            }
        ],
    )
    await send_sample(client, hook)
    page = await client.get("/endpoints/chained/actions/new")
    shown = html.unescape(page.text)
    assert "Keys from earlier actions" in shown
    assert 'value="pick:$.keys.person_id"' in shown
    values = {**editor_values(page.text), "_csrf_token": await csrf_token(client)}
    values |= {"name": "update person", "method": "PUT", "url": f"{target.url}/persons"}

    page = await client.post(
        "/endpoints/chained/actions/new/change",
        data={**values, "op": "pick:$.keys.person_id", "active": "field-0-source"},
    )
    values = {**editor_values(page.text), "_csrf_token": values["_csrf_token"]}
    values["field-0-name"] = "id"
    saved = await client.post("/endpoints/chained/actions/new", data=values)
    assert saved.status_code == 303, saved.text

    answer = await client.post(
        hook,
        content=FORM_SAMPLE.replace(b"8f1c2a7e", b"22222222"),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert answer.status_code == 200, answer.text
    assert target.requests_to("/persons")[-1].json == {"id": 41}
