"""An async endpoint stores the event, answers 202 at once, and delivers afterwards."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from support.target import Answer, Target

from server.pipeline import EVENT_HEADER
from server.store import queries

pytestmark = pytest.mark.postgres


async def test_async_endpoint_answers_202_then_delivers(
    client: httpx.AsyncClient, target: Target, import_mapping: Any
) -> None:
    target.route("POST", "/slow", Answer(json={"id": "9"}, delay=0.5))
    path = await import_mapping(
        {
            "endpoint": {"name": "Async", "response": "async"},
            "actions": [
                {
                    "name": "send",
                    "request": {"url": f"{target.url}/slow"},
                    "fields": {"email": {"from": "$.body.contact.email"}},
                    "response": {"crm_id": "$.id"},
                }
            ],
        }
    )

    response = await client.post(path, data={"contact[email]": "a@b.c"})

    assert response.status_code == 202
    event_id = response.headers[EVENT_HEADER]
    assert response.json() == {"status": "accepted", "event": event_id}
    await target.wait_for_requests(1)
    for _ in range(100):
        stored = await queries.event_with_attempts(event_id)
        assert stored is not None
        if stored[0].status != "received":
            break
        await asyncio.sleep(0.05)
    assert stored[0].status == "delivered"
    assert stored[0].answer_body == {"crm_id": "9"}
