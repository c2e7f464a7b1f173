"""Inbound limits: an over-limit body or too many fields is refused with 413 and the limit."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from support.target import Target

from server.mapping.payload import Limits

pytestmark = pytest.mark.postgres

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@pytest.fixture
def limits() -> Limits:
    return Limits(max_body_bytes=1000, max_pairs=10)


def simple(target: Target) -> dict[str, Any]:
    return {
        "endpoint": {"name": "Limited"},
        "actions": [{"name": "send", "request": {"url": f"{target.url}/x"}}],
    }


async def test_an_over_limit_body_is_413_with_the_limit(
    client: httpx.AsyncClient, target: Target, import_mapping: Any
) -> None:
    path = await import_mapping(simple(target))
    response = await client.post(
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
    client: httpx.AsyncClient, target: Target, import_mapping: Any
) -> None:
    path = await import_mapping(simple(target))
    body = "&".join(f"f{i}=1" for i in range(11)).encode()
    response = await client.post(
        path, content=body, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert response.status_code == 413
    assert response.json()["error"] == "too_many_fields"
