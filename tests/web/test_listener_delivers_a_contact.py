"""The listener receives a contact, calls the target, and answers with response keys."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from support.target import Target

from server.pipeline import EVENT_HEADER
from server.store import queries

pytestmark = pytest.mark.postgres

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
FORM = "application/x-www-form-urlencoded"


def bench_job(target: Target) -> dict[str, Any]:
    return {
        "endpoint": {"name": "Contacts", "methods": ["POST", "GET"]},
        "actions": [
            {
                "name": "create contact",
                "request": {"url": f"{target.url}/contacts"},
                "fields": {
                    "email": {"from": "$.body.contact.email"},
                    "firstname": {"from": "$.field['First Name']"},
                    "lastname": {"from": "$.field['Last Name']"},
                },
                "response": {"crm_id": "$.id"},
            }
        ],
    }


async def test_a_form_post_is_mapped_sent_and_answered(
    client: httpx.AsyncClient, target: Target, import_mapping: Any
) -> None:
    target.route("POST", "/contacts", status=201, json={"id": "003abc"})
    path = await import_mapping(bench_job(target))
    body = (SAMPLES / "platform-form-post.txt").read_bytes()

    response = await client.post(path, content=body, headers={"Content-Type": FORM})

    assert response.status_code == 200
    assert response.json() == {"crm_id": "003abc"}
    [sent] = target.requests_to("/contacts", "POST")
    assert sent.json == {
        "email": "jane.doe+bench@example.com",
        "firstname": "Jane",
        "lastname": "Doe",
    }
    stored = await queries.event_with_attempts(response.headers[EVENT_HEADER])
    assert stored is not None
    event, [attempt] = stored
    assert event.status == "delivered"
    assert event.raw_body == body
    assert event.transactionid == "8f1c2a7e-5b3d-4e1f-9a0c-2d7e6b4f1a93"
    assert (attempt.outcome, attempt.response_status) == ("success", 201)


async def test_a_json_post_is_handled_like_the_form_post(
    client: httpx.AsyncClient, target: Target, import_mapping: Any
) -> None:
    target.route("POST", "/contacts", json={"id": "003abc"})
    path = await import_mapping(bench_job(target))
    body = (SAMPLES / "platform-json-post.json").read_bytes()

    response = await client.post(path, content=body, headers={"Content-Type": "application/json"})

    assert response.status_code == 200
    assert response.json() == {"crm_id": "003abc"}
    assert target.requests_to("/contacts")[0].json["firstname"] == "Jane"


async def test_a_get_with_query_parameters_is_mapped_from_the_query(
    client: httpx.AsyncClient, target: Target, import_mapping: Any
) -> None:
    target.route("POST", "/contacts", json={"id": "7"})
    document = bench_job(target)
    document["actions"][0]["fields"] = {
        "email": {"from": "$.query.email"},
        "company": {"from": "$.query.company"},
    }
    path = await import_mapping(document)

    response = await client.get(path, params={"email": "a+b@example.com", "company": "A & B"})

    assert response.status_code == 200
    assert target.requests_to("/contacts")[0].json == {
        "email": "a+b@example.com",
        "company": "A & B",
    }


async def test_chained_actions_use_keys_from_earlier_responses(
    client: httpx.AsyncClient, target: Target, import_mapping: Any
) -> None:
    target.route("POST", "/contacts", json={"id": "c-1"})
    target.route("PUT", "/lists/9/members/c-1", json={"status": "added"})
    path = await import_mapping(
        {
            "endpoint": {"name": "Chain"},
            "actions": [
                {
                    "name": "create",
                    "request": {"url": f"{target.url}/contacts"},
                    "fields": {"email": {"from": "$.body.contact.email"}},
                    "response": {"crm_id": "$.id"},
                },
                {
                    "name": "add to list",
                    "request": {
                        "method": "PUT",
                        "url": target.url + "/lists/9/members/{{ keys.crm_id }}",
                    },
                    "fields": {"id": {"from": "$.keys.crm_id"}},
                    "response": {"list_status": "$.status"},
                },
            ],
        }
    )

    response = await client.post(path, data={"contact[email]": "j@example.com"})

    assert response.json() == {"crm_id": "c-1", "list_status": "added"}
    assert target.requests_to("/lists/9/members/c-1")[0].json == {"id": "c-1"}


async def test_a_condition_that_fails_skips_the_action(
    client: httpx.AsyncClient, target: Target, import_mapping: Any
) -> None:
    document = bench_job(target)
    document["actions"][0]["when"] = {
        "path": "$.body['lead-score'][0].score",
        "op": "gte",
        "value": 50,
    }
    path = await import_mapping(document)

    response = await client.post(
        path, data={"contact[email]": "j@example.com", "lead-score[0][score]": "42"}
    )

    assert response.status_code == 200
    assert response.json() == {}
    assert target.requests == []
    stored = await queries.event_with_attempts(response.headers[EVENT_HEADER])
    assert stored is not None
    assert [a.outcome for a in stored[1]] == ["skipped"]


async def test_credentials_are_sent_but_never_stored(
    client: httpx.AsyncClient, target: Target, import_mapping: Any
) -> None:
    target.route("POST", "/contacts", json={"id": "1"})
    document = bench_job(target)
    document["credentials"] = {"crm": {"type": "bearer"}}
    document["actions"][0]["request"]["credential"] = "crm"
    path = await import_mapping(document, crm={"token": "tok-s3cret"})

    response = await client.post(path, data={"contact[email]": "j@example.com"})

    assert response.status_code == 200
    assert target.requests[0].headers["Authorization"] == "Bearer tok-s3cret"
    stored = await queries.event_with_attempts(response.headers[EVENT_HEADER])
    assert stored is not None
    assert "tok-s3cret" not in json.dumps(stored[1][0].request)
