"""A contact with thousands of page visits (~500 KB) passes whole, unicode and all."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx
import pytest
from support.target import Target

from server.pipeline import EVENT_HEADER
from server.store import queries

pytestmark = pytest.mark.postgres

VISITS = 5000


def large_form() -> bytes:
    pairs = [("transactionid", "big-1"), ("contact[email]", "zoë+test@example.com")]
    pairs += [("fields[0][name]", "Company"), ("fields[0][value]", "Müller & Söhne 100%")]
    for index in range(VISITS):
        pairs.append((f"pages-visited[{index}][page]", f"https://example.com/p/{index}?a=1&b=2"))
        pairs.append((f"pages-visited[{index}][visit_date]", "2024-05-11 08:03:55"))
    return "&".join(f"{quote(k)}={quote(v)}" for k, v in pairs).encode()


async def test_a_large_payload_is_stored_and_forwarded_whole(
    client: httpx.AsyncClient, target: Target, import_mapping: Any
) -> None:
    target.route("POST", "/all", json={"ok": True})
    path = await import_mapping(
        {
            "endpoint": {"name": "Everything"},
            "actions": [
                {"name": "forward", "request": {"url": f"{target.url}/all", "body_from": "$.body"}}
            ],
        }
    )
    body = large_form()
    assert len(body) > 400_000

    response = await client.post(
        path, content=body, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )

    assert response.status_code == 200
    [sent] = target.requests
    assert len(sent.json["pages-visited"]) == VISITS
    assert (
        sent.json["pages-visited"][VISITS - 1]["page"]
        == f"https://example.com/p/{VISITS - 1}?a=1&b=2"
    )
    assert sent.json["contact"]["email"] == "zoë+test@example.com"
    assert sent.json["fields"][0]["value"] == "Müller & Söhne 100%"
    stored = await queries.event_with_attempts(response.headers[EVENT_HEADER])
    assert stored is not None
    assert stored[0].raw_body == body
    assert len(stored[0].payload["body"]["pages-visited"]) == VISITS
