"""The database is opened durably, and an unreachable one is reported as unavailable."""

from __future__ import annotations

import pytest
from tortoise import connections

from server.store.db import SQLITE_BUSY_TIMEOUT_MS, backend_of, open_database
from server.store.errors import StoreUnavailable
from server.store.writer import EventWriter

pytestmark = pytest.mark.postgres


async def test_opening_an_unreachable_database_raises_store_unavailable(
    unreachable_database_url: str,
) -> None:
    with pytest.raises(StoreUnavailable, match="Cannot open the database"):
        async with open_database(unreachable_database_url):
            pass


async def test_starting_a_writer_on_an_unreachable_database_raises_store_unavailable(
    unreachable_database_url: str,
) -> None:
    with pytest.raises(StoreUnavailable):
        await EventWriter.start(unreachable_database_url)


async def test_starting_a_writer_on_an_unmigrated_database_says_to_migrate(
    database_url: str,
) -> None:
    with pytest.raises(StoreUnavailable, match="apply the migrations"):
        await EventWriter.start(database_url)


async def test_sqlite_runs_in_wal_mode_syncs_every_commit_and_waits_for_locks(
    database: str,
) -> None:
    if backend_of(database) != "sqlite":
        pytest.skip("SQLite settings")
    client = connections.get("default")

    settings = {}
    for pragma in ("journal_mode", "synchronous", "busy_timeout", "foreign_keys"):
        _, [row] = await client.execute_query(f"PRAGMA {pragma}")
        settings[pragma] = row[0]

    assert settings == {
        "journal_mode": "wal",
        "synchronous": 2,  # FULL
        "busy_timeout": SQLITE_BUSY_TIMEOUT_MS,
        "foreign_keys": 1,
    }
