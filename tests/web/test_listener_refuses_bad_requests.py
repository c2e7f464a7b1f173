"""Bad requests get a clear 4xx JSON error, never a 500, and nothing is delivered."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from litestar.testing import AsyncTestClient
from support.target import Target

from server.app import create_app
from server.mapping.payload import Limits
from server.settings import Settings

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


async def test_an_unknown_token_is_404(client: AsyncTestClient[Any]) -> None:
    response = await client.post("/hooks/not-a-token", data={"a": "1"})
    assert response.status_code == 404
    assert response.json()["error"] == "unknown_endpoint"


async def test_a_method_the_endpoint_does_not_accept_is_405_with_allow(
    client: AsyncTestClient[Any], target: Target, import_mapping: Any
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
    client: AsyncTestClient[Any],
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


@pytest_asyncio.fixture
async def small_client(settings: Settings) -> AsyncIterator[AsyncTestClient[Any]]:
    limited = dataclasses.replace(settings, limits=Limits(max_body_bytes=1000, max_pairs=10))
    async with AsyncTestClient(app=create_app(limited)) as client:
        yield client


async def test_an_over_limit_body_is_413_with_the_limit(
    small_client: AsyncTestClient[Any], target: Target, import_mapping: Any
) -> None:
    path = await import_mapping(simple(target))
    response = await small_client.post(
        path,
        content=b"a=" + b"x" * 2000,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 413
    assert response.json() == {
        "error": "body_too_large",
        "detail": response.json()["detail"],
        "limit": 1000,
    }


async def test_too_many_fields_is_413(
    small_client: AsyncTestClient[Any], target: Target, import_mapping: Any
) -> None:
    path = await import_mapping(simple(target))
    body = "&".join(f"f{i}=1" for i in range(11)).encode()
    response = await small_client.post(
        path, content=body, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert response.status_code == 413
    assert response.json()["error"] == "too_many_fields"
