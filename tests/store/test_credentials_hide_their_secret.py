"""Credentials: their secret is only ever read on purpose."""

from __future__ import annotations

import pytest

from server.mapping.credentials import Credential as CredentialWithSecret
from server.store import queries
from server.store.sealing import unseal

pytestmark = pytest.mark.postgres


async def test_listed_and_fetched_credentials_carry_no_secret(database: str) -> None:
    await queries.save_credential("hubspot", "bearer", {}, {"token": "s3cret"})

    [listed] = await queries.list_credentials()
    fetched = await queries.credential_by_name("hubspot")

    assert fetched is not None
    for credential in (listed, fetched):
        assert (credential.name, credential.type) == ("hubspot", "bearer")
        with pytest.raises(AttributeError):
            _ = credential.secret


async def test_credential_with_secret_unseals_the_values(database: str) -> None:
    await queries.save_credential("crm", "header", {"name": "X-Key"}, {"value": "k-1"})

    assert await queries.credential_with_secret("crm") == CredentialWithSecret(
        "crm", "header", {"name": "X-Key"}, {"value": "k-1"}
    )
    assert await queries.credential_with_secret("missing") is None


async def test_saving_a_credential_again_replaces_it(database: str) -> None:
    _, created = await queries.save_credential("crm", "bearer", {}, {})
    _, created_again = await queries.save_credential("crm", "basic", {}, {"username": "u"})

    assert (created, created_again) == (True, False)
    assert await queries.credential_with_secret("crm") == CredentialWithSecret(
        "crm", "basic", {}, {"username": "u"}
    )
    assert len(await queries.list_credentials()) == 1


async def test_the_secret_is_stored_sealed_through_one_function_pair(
    database: str, read_elsewhere: object
) -> None:
    await queries.save_credential("crm", "bearer", {}, {"token": "t"})

    rows = await read_elsewhere("SELECT secret FROM credential")  # type: ignore[operator]

    assert unseal(rows[0]["secret"]) == {"token": "t"}


async def test_deleting_a_credential_says_whether_it_existed(database: str) -> None:
    await queries.save_credential("crm", "bearer", {}, {})

    assert await queries.delete_credential("crm")
    assert not await queries.delete_credential("crm")
