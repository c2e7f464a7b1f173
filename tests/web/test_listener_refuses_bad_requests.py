"""Bad requests get a clear 4xx JSON error, never a 500, and nothing is delivered."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from support.target import Target

pytestmark = pytest.mark.postgres


def simple(target: Target, methods: list[str] | None = None) -> dict[str, Any]:
    return {
        "endpoint": {"name": "Simple", "methods": methods or ["POST"]},
        "actions": [
            {
                "name": "send",
                "request": {"url": f"{target.url}/x"},
                "fields": {"email": {"from": "$.body.contact.email"}},
            }
        ],
    }


async def test_an_unknown_token_is_404(client: httpx.AsyncClient) -> None:
    response = await client.post("/hooks/not-a-token", data={"a": "1"})
    assert response.status_code == 404
    assert response.json()["error"] == "unknown_endpoint"


async def test_a_method_the_endpoint_does_not_accept_is_405_with_allow(
    client: httpx.AsyncClient, target: Target, import_mapping: Any
) -> None:
    path = await import_mapping(simple(target))
    response = await client.get(path, params={"email": "a@b.c"})
    assert response.status_code == 405
    assert response.headers["Allow"] == "POST"
    assert response.json()["error"] == "method_not_allowed"


@pytest.mark.parametrize(
    ("content_type", "body", "status", "error"),
    [
        ("text/plain", b"hello", 415, "unsupported_content_type"),
        ("application/json", b'{"contact": ', 400, "invalid_json"),
        ("application/json", b"[1, 2]", 422, "json_not_an_object"),
        ("application/json", b"[" * 70 + b"]" * 70, 400, "too_deeply_nested"),
        ("application/x-www-form-urlencoded", b"", 400, "empty_request"),
        ("application/x-www-form-urlencoded", b"a" + b"[x]" * 65 + b"=1", 400, "too_deeply_nested"),
    ],
)
async def test_unreadable_bodies_are_refused_in_plain_words(
    client: httpx.AsyncClient,
    target: Target,
    import_mapping: Any,
    content_type: str,
    body: bytes,
    status: int,
    error: str,
) -> None:
    path = await import_mapping(simple(target))
    response = await client.post(path, content=body, headers={"Content-Type": content_type})
    assert response.status_code == status
    assert response.json()["error"] == error
    assert response.json()["detail"]
    assert target.requests == []
