"""Saving endpoints: created with a fresh token, updated in place with a new revision."""

from __future__ import annotations

import pytest

from server.store import queries

pytestmark = pytest.mark.postgres

DOCUMENT = {"switchboard": 1, "endpoint": {"name": "Shop"}, "actions": []}


async def test_a_new_endpoint_gets_a_long_random_token_and_revision_one(database: str) -> None:
    shop, created = await queries.save_endpoint("shop", "Shop", DOCUMENT, enabled=True)
    crm, _ = await queries.save_endpoint("crm", "CRM", DOCUMENT, enabled=True)

    assert created
    assert shop.revision == 1
    assert len(shop.token) >= 32
    assert shop.token != crm.token


async def test_saving_again_keeps_id_and_token_and_bumps_the_revision(database: str) -> None:
    first, _ = await queries.save_endpoint("shop", "Shop", DOCUMENT, enabled=True)
    changed = {**DOCUMENT, "actions": [{"name": "upsert"}]}

    second, created = await queries.save_endpoint("shop", "Shop 2", changed, enabled=False)

    assert not created
    assert (second.id, second.token) == (first.id, first.token)
    assert (second.name, second.document, second.enabled) == ("Shop 2", changed, False)
    assert second.revision == 2
    assert second.created_at == first.created_at
    assert second.updated_at > first.updated_at
    stored = await queries.endpoint_by_key("shop")
    assert stored is not None
    assert (stored.revision, stored.document) == (2, changed)


async def test_endpoint_revisions_report_every_save(database: str) -> None:
    shop, _ = await queries.save_endpoint("shop", "Shop", DOCUMENT, enabled=True)
    crm, _ = await queries.save_endpoint("crm", "CRM", DOCUMENT, enabled=True)
    await queries.save_endpoint("shop", "Shop", DOCUMENT, enabled=True)

    assert await queries.endpoint_revisions() == {str(shop.id): 2, str(crm.id): 1}


async def test_endpoints_are_found_by_token_and_by_key(database: str) -> None:
    shop, _ = await queries.save_endpoint("shop", "Shop", DOCUMENT, enabled=True)

    by_token = await queries.endpoint_by_token(shop.token)
    by_key = await queries.endpoint_by_key("shop")

    assert by_token is not None
    assert by_key is not None
    assert by_token.id == by_key.id == shop.id
    assert await queries.endpoint_by_token("no-such-token") is None
    assert await queries.endpoint_by_key("no-such-key") is None


async def test_endpoints_are_listed_by_key(database: str) -> None:
    for key in ("shop", "crm", "mautic"):
        await queries.save_endpoint(key, key.title(), DOCUMENT, enabled=True)

    assert [e.key for e in await queries.list_endpoints()] == ["crm", "mautic", "shop"]


async def test_deleting_an_endpoint_says_whether_it_existed(database: str) -> None:
    await queries.save_endpoint("shop", "Shop", DOCUMENT, enabled=True)

    assert await queries.delete_endpoint("shop")
    assert not await queries.delete_endpoint("shop")
    assert await queries.endpoint_by_key("shop") is None
