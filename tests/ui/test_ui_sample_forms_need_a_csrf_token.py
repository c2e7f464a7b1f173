"""Pasting, picking and unpinning a sample are refused without the CSRF token."""

from __future__ import annotations

import httpx
import pytest
from ui_support import CreateEndpoint

from server.store import queries

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@pytest.mark.parametrize(
    ("path", "fields"),
    [
        ("/endpoints/leads/sample/paste", {"method": "POST", "text": "contact[email]=a@b.co"}),
        ("/endpoints/leads/sample/event", {"event_id": "EVENT"}),
        ("/endpoints/leads/sample/unpin", {}),
    ],
)
async def test_a_sample_change_without_the_token_is_refused(
    client: httpx.AsyncClient, create_endpoint: CreateEndpoint, path: str, fields: dict[str, str]
) -> None:
    listener = await create_endpoint("Leads")
    sent = await client.post(listener, content=b"contact[email]=a@b.co", headers=FORM)
    event_id = sent.headers["X-Switchboard-Event"]
    await client.get("/endpoints/leads")  # the browser has its cookie, but the forger has no token

    data = {name: value.replace("EVENT", event_id) for name, value in fields.items()}
    response = await client.post(path, data=data, headers={"HX-Request": "true"})

    assert response.status_code == 403
    endpoint = await queries.endpoint_by_key("leads")
    assert endpoint is not None
    assert endpoint.sample is None
