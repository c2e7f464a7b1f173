"""Migrations: from an empty database they build the schema, and applying them again is a no-op."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from tortoise.context import require_context
from tortoise.migrations.autodetector import MigrationAutodetector

from server.store.db import migrate, migrations_pending, tortoise_config

pytestmark = pytest.mark.postgres

ReadElsewhere = Callable[..., Awaitable[list[dict[str, Any]]]]

TABLES = ("endpoint", "credential", "event", "attempt")


async def test_migrate_creates_every_table_in_an_empty_database(
    database_url: str, read_elsewhere: ReadElsewhere
) -> None:
    assert await migrations_pending(database_url)

    assert await migrate(database_url) == [
        "0001_initial",
        "0002_contact_email",
        "0003_endpoint_sample",
        "0004_delivery_queue",
    ]

    for table in TABLES:
        assert await read_elsewhere(f"SELECT * FROM {table}") == []
    assert not await migrations_pending(database_url)


async def test_migrating_twice_changes_nothing(database_url: str) -> None:
    await migrate(database_url)

    assert await migrate(database_url) == []


async def test_an_open_database_has_no_pending_migrations(database: str) -> None:
    assert not await migrations_pending()


async def test_the_shipped_migrations_match_the_models(database: str) -> None:
    apps = require_context().apps
    assert apps is not None
    detector = MigrationAutodetector(apps, tortoise_config(database)["apps"])

    assert await detector.changes() == [], "models changed: run tortoise makemigrations"
