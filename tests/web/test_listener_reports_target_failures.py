"""A target that fails yields a non-2xx answer with a clear error, and the attempt is stored."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from support.target import Answer, Target, closed_port, garbage

from server.pipeline import EVENT_HEADER
from server.store import queries

pytestmark = pytest.mark.postgres


def mapping(url: str, timeout: float = 5.0) -> dict[str, Any]:
    return {
        "endpoint": {"name": "Failing"},
        "actions": [
            {
                "name": "create",
                "request": {"url": url, "timeout": timeout},
                "fields": {"email": {"from": "$.body.contact.email"}},
                "response": {"crm_id": "$.id"},
            }
        ],
    }


async def post(client: httpx.AsyncClient, path: str) -> Any:
    return await client.post(path, data={"transactionid": "t1", "contact[email]": "a@b.c"})


async def stored_attempt(response: Any) -> Any:
    stored = await queries.event_with_attempts(response.headers[EVENT_HEADER])
    assert stored is not None
    event, [attempt] = stored
    assert event.status == "failed"
    assert event.answer_status == response.status_code
    assert attempt.outcome == "failed"
    return attempt


async def test_a_500_from_the_target_is_a_502_naming_the_action(
    client: httpx.AsyncClient, target: Target, import_mapping: Any
) -> None:
    target.route("POST", "/c", status=500, json={"message": "boom"})
    response = await post(client, await import_mapping(mapping(f"{target.url}/c")))
    assert response.status_code == 502
    assert response.json()["error"] == "target_failed"
    assert response.json()["action"] == "create"
    assert response.json()["target_status"] == 500
    attempt = await stored_attempt(response)
    assert attempt.response_status == 500
    assert "boom" in attempt.response_body


async def test_a_target_that_does_not_answer_in_time_is_a_502(
    client: httpx.AsyncClient, target: Target, import_mapping: Any
) -> None:
    target.route("POST", "/slow", Answer(json={"id": "1"}, delay=3))
    response = await post(client, await import_mapping(mapping(f"{target.url}/slow", 0.3)))
    assert response.status_code == 502
    assert response.json()["error"] == "target_unreachable"
    attempt = await stored_attempt(response)
    assert "did not answer" in attempt.error


async def test_a_refused_connection_is_a_502(
    client: httpx.AsyncClient, import_mapping: Any
) -> None:
    url = f"http://127.0.0.1:{closed_port()}/c"
    response = await post(client, await import_mapping(mapping(url)))
    assert response.status_code == 502
    assert response.json()["error"] == "target_unreachable"
    assert "refused" in (await stored_attempt(response)).error


async def test_a_non_json_answer_when_keys_are_expected_is_a_502(
    client: httpx.AsyncClient, target: Target, import_mapping: Any
) -> None:
    target.route("POST", "/c", status=200, body=b"<html>login</html>", content_type="text/html")
    response = await post(client, await import_mapping(mapping(f"{target.url}/c")))
    assert response.status_code == 502
    assert response.json()["error"] == "unreadable_response"
    assert "not JSON" in (await stored_attempt(response)).error


async def test_garbage_instead_of_http_is_a_502(
    client: httpx.AsyncClient, target: Target, import_mapping: Any
) -> None:
    target.route("POST", "/c", garbage())
    response = await post(client, await import_mapping(mapping(f"{target.url}/c")))
    assert response.status_code == 502
    await stored_attempt(response)


async def test_a_value_that_cannot_be_transformed_is_a_422(
    client: httpx.AsyncClient, target: Target, import_mapping: Any
) -> None:
    document = mapping(f"{target.url}/c")
    document["actions"][0]["fields"]["phone"] = {"value": "not a phone", "transform": ["phone"]}
    response = await post(client, await import_mapping(document))
    assert response.status_code == 422
    assert response.json()["error"] == "mapping_failed"
    assert target.requests == []
    await stored_attempt(response)
