"""/readyz says whether this instance can take events: its database answers and is migrated."""

from __future__ import annotations

import httpx
import pytest
from tortoise.context import require_context

pytestmark = pytest.mark.postgres


async def test_a_migrated_database_is_ready(client: httpx.AsyncClient) -> None:
    response = await client.get("/readyz")

    assert response.status_code == 200
    assert response.json() == {"status": "ready"}
    assert response.headers["cache-control"] == "no-store"
    assert "set-cookie" not in response.headers  # machines get no CSRF cookie


async def test_pending_migrations_make_it_not_ready_while_it_stays_alive(
    client: httpx.AsyncClient,
) -> None:
    # The database forgets its migrations, as one restored from a backup older than the code.
    await require_context().db().execute_script("DELETE FROM tortoise_migrations")

    response = await client.get("/readyz")

    assert response.status_code == 503
    assert response.json() == {
        "status": "not_ready",
        "reasons": [
            "The database needs migrations this version ships: "
            "run 'switchboard migrate' or restart."
        ],
    }
    alive = await client.get("/healthz")
    assert (alive.status_code, alive.json()) == (200, {"status": "ok"})


async def test_an_unknown_path_below_readyz_answers_json_not_a_page(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/readyz/extra")

    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/json")
