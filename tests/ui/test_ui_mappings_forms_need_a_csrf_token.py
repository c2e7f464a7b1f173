"""Check and Apply are refused without the CSRF token: a forged import changes nothing."""

from __future__ import annotations

import httpx
import pytest
from mappings_support import NO_FILE

from server.store import queries

pytestmark = pytest.mark.postgres

MAPPING = "switchboard: 1\nendpoint: {name: Forged}\n"


@pytest.mark.parametrize("path", ["/mappings/check", "/mappings/apply"])
@pytest.mark.parametrize("token", [None, "0" * 64 + "1" * 64])
async def test_a_post_without_a_valid_token_is_refused_and_imports_nothing(
    client: httpx.AsyncClient, path: str, token: str | None
) -> None:
    await client.get("/mappings")  # the browser has its cookie, but the forger has no token
    fields = {"text": MAPPING} if token is None else {"text": MAPPING, "_csrf_token": token}

    response = await client.post(path, data=fields, files={"file": NO_FILE})

    assert response.status_code == 403
    assert await queries.list_endpoints() == []
