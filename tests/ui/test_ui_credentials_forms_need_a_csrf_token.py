"""Every Credentials form is refused without the CSRF token, and then changes nothing."""

from __future__ import annotations

import httpx
import pytest

from server.store import queries

pytestmark = pytest.mark.postgres


@pytest.mark.parametrize(
    ("path", "fields"),
    [
        ("/credentials", {"name": "forged", "type": "bearer", "token": "evil"}),
        ("/credentials/crm", {"token": "evil"}),
        ("/credentials/crm/delete", {"confirm": "yes"}),
    ],
)
async def test_a_post_without_the_token_is_refused(
    client: httpx.AsyncClient, path: str, fields: dict[str, str]
) -> None:
    await queries.save_credential("crm", "bearer", {}, {"token": "good"})
    await client.get("/credentials")  # the browser has its cookie, but the forger has no token

    response = await client.post(path, data=fields)

    assert response.status_code == 403
    assert [row.name for row in await queries.list_credentials()] == ["crm"]
    stored = await queries.credential_with_secret("crm")
    assert stored is not None
    assert stored.secret == {"token": "good"}


async def test_every_form_on_the_pages_carries_the_token(client: httpx.AsyncClient) -> None:
    await queries.save_credential("crm", "bearer", {}, {"token": "good"})
    for path in ("/credentials/new", "/credentials/crm"):
        page = (await client.get(path)).text
        assert page.count("<form") == page.count('name="_csrf_token"') > 0
