"""The editor sets an action's limits (requests per second, at once) and explains bad ones."""

from __future__ import annotations

import httpx
import pytest
from builder_support import editor_values, error_at, send_sample
from ui_support import CreateEndpoint, csrf_token

from server.store import queries

pytestmark = pytest.mark.postgres


async def test_limits_typed_in_the_editor_are_saved_and_shown_again(
    client: httpx.AsyncClient, create_endpoint: CreateEndpoint
) -> None:
    hook = await create_endpoint("Limited")
    await send_sample(client, hook)
    page = await client.get("/endpoints/limited/actions/new")
    values = {**editor_values(page.text), "_csrf_token": await csrf_token(client)}
    values |= {"name": "send", "url": "https://crm.example.com/c", "per_second": "2.5"}
    values |= {"concurrency": "3"}

    saved = await client.post("/endpoints/limited/actions/new", data=values)

    assert saved.status_code in (200, 303), saved.text
    stored = await queries.endpoint_by_key("limited")
    assert stored is not None
    [action] = stored.document["actions"]
    assert action["request"]["limits"] == {"per_second": 2.5, "concurrency": 3}
    shown = await client.get("/endpoints/limited/actions/1")
    assert shown.status_code == 200, shown.text[:300]
    again = editor_values(shown.text)
    assert (again["per_second"], again["concurrency"]) == ("2.5", "3")


@pytest.mark.parametrize(
    ("name", "typed", "words"),
    [
        ("per_second", "fast", "requests per second"),
        ("per_second", "0", "more than 0"),
        ("concurrency", "1.5", "whole number"),
        ("concurrency", "0", "at least 1"),
    ],
)
async def test_a_limit_that_cannot_work_is_explained_beside_its_input(
    client: httpx.AsyncClient, create_endpoint: CreateEndpoint, name: str, typed: str, words: str
) -> None:
    hook = await create_endpoint("Limited badly")
    await send_sample(client, hook)
    page = await client.get("/endpoints/limited-badly/actions/new")
    values = {**editor_values(page.text), "_csrf_token": await csrf_token(client)}
    values |= {"name": "send", "url": "https://crm.example.com/c", name: typed}

    saved = await client.post("/endpoints/limited-badly/actions/new", data=values)

    assert saved.status_code == 422
    assert words in error_at(saved.text, name)
