"""Databases as an older Switchboard left them: migrated only so far, with rows it wrote."""

from __future__ import annotations

import sqlite3
from typing import Any

import asyncpg
from tortoise.context import TortoiseContext
from tortoise.migrations.executor import MigrationExecutor, MigrationTarget

from server.store.backends import numbered
from server.store.db import APP_LABEL, backend_of, tortoise_config


async def migrate_to(database_url: str, name: str) -> None:
    """Apply the migrations up to ``name`` only, as an older Switchboard would have."""
    config = tortoise_config(database_url)
    async with TortoiseContext() as context:
        await context.init(config=config)
        executor = MigrationExecutor(context.db(), config["apps"])
        await executor.migrate([MigrationTarget(APP_LABEL, name)])


async def execute(database_url: str, sql: str, *params: Any) -> None:
    """One statement with ``?`` placeholders, outside the app (as an older release wrote)."""
    if backend_of(database_url) == "sqlite":
        connection = sqlite3.connect(database_url.removeprefix("sqlite://"))
        with connection:
            connection.execute(sql, params)
        connection.close()
        return
    pg = await asyncpg.connect(database_url)
    try:
        await pg.execute(numbered(sql), *params)
    finally:
        await pg.close()
