"""Actions can be moved and deleted, except where a later action would lose the keys it uses."""

from __future__ import annotations

import httpx
import pytest
from support.target import Target
from ui_support import CreateEndpoint, csrf_token

from server.store import queries

pytestmark = pytest.mark.postgres


def chained(target: Target) -> list[dict[str, object]]:
    return [
        {
            "name": "find",
            "request": {"method": "GET", "url": f"{target.url}/find"},
            "response": {"person_id": "$.id"},
        },
        {
            "name": "update",
            "when": "$.keys.person_id",
            "request": {"method": "PUT", "url": f"{target.url}/p/{{{{ keys.person_id }}}}"},
        },
        {"name": "note", "request": {"url": f"{target.url}/note"}},
    ]


async def names(key: str) -> list[str]:
    endpoint = await queries.endpoint_by_key(key)
    assert endpoint is not None
    return [action["name"] for action in endpoint.document["actions"]]


async def test_moving_an_action_changes_the_order_it_runs_in(
    client: httpx.AsyncClient, target: Target, create_endpoint: CreateEndpoint
) -> None:
    await create_endpoint("Ordered", actions=chained(target))
    token = await csrf_token(client)

    moved = await client.post(
        "/endpoints/ordered/actions/3/move", data={"_csrf_token": token, "direction": "up"}
    )

    assert moved.status_code == 303
    assert moved.headers["location"] == "/endpoints/ordered?done=moved"
    assert await names("ordered") == ["find", "note", "update"]
    page = await client.get(moved.headers["location"])
    assert "Action moved." in page.text


async def test_a_move_that_breaks_a_key_is_refused(
    client: httpx.AsyncClient, target: Target, create_endpoint: CreateEndpoint
) -> None:
    await create_endpoint("Guarded", actions=chained(target))
    token = await csrf_token(client)

    moved = await client.post(
        "/endpoints/guarded/actions/1/move", data={"_csrf_token": token, "direction": "down"}
    )
    deleted = await client.post("/endpoints/guarded/actions/1/delete", data={"_csrf_token": token})

    assert moved.headers["location"] == "/endpoints/guarded?done=move_refused"
    assert deleted.headers["location"] == "/endpoints/guarded?done=delete_refused"
    assert await names("guarded") == ["find", "update", "note"]
    page = await client.get(moved.headers["location"])
    assert "Not moved" in page.text


async def test_deleting_an_action(
    client: httpx.AsyncClient, target: Target, create_endpoint: CreateEndpoint
) -> None:
    await create_endpoint("Pruned", actions=chained(target))
    token = await csrf_token(client)

    deleted = await client.post("/endpoints/pruned/actions/3/delete", data={"_csrf_token": token})

    assert deleted.headers["location"] == "/endpoints/pruned?done=deleted"
    assert await names("pruned") == ["find", "update"]


async def test_changing_actions_needs_the_csrf_token(
    client: httpx.AsyncClient, target: Target, create_endpoint: CreateEndpoint
) -> None:
    await create_endpoint("Protected", actions=chained(target))

    for path in ("2/delete", "2/move", "2", "new/change", "new/preview", "new/test"):
        answer = await client.post(f"/endpoints/protected/actions/{path}", data={"name": "x"})
        assert answer.status_code == 403, path
    assert await names("protected") == ["find", "update", "note"]
