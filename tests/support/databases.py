"""Database fixtures for the whole suite: a fresh database per test, SQLite or PostgreSQL.

The backend is chosen per pytest process by ``SWITCHBOARD_TEST_DATABASE`` (``sqlite``, the
default, or ``postgres``): tortoise caches statements per dialect, so one process cannot
run both. PostgreSQL tests create a database on the server named by
``SWITCHBOARD_TEST_POSTGRES_URL`` (default ``postgres://postgres@127.0.0.1:5432/test``)
and drop it afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
import pytest_asyncio

from server.store.db import database_url_default, open_database

TEST_DATABASE = os.environ.get("SWITCHBOARD_TEST_DATABASE", "sqlite")
POSTGRES_SERVER_URL = os.environ.get(
    "SWITCHBOARD_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/test"
)
if TEST_DATABASE not in ("sqlite", "postgres"):
    raise pytest.UsageError("SWITCHBOARD_TEST_DATABASE must be 'sqlite' or 'postgres'")


@pytest_asyncio.fixture
async def database_url(tmp_path: Path) -> AsyncIterator[str]:
    """The URL of a new, empty database (not migrated), removed after the test."""
    if TEST_DATABASE == "sqlite":
        yield database_url_default(tmp_path)
        return
    name = f"switchboard_test_{uuid.uuid4().hex}"
    await on_postgres_server(f'CREATE DATABASE "{name}"')
    try:
        yield f"{POSTGRES_SERVER_URL.rsplit('/', 1)[0]}/{name}"
    finally:
        await on_postgres_server(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest_asyncio.fixture
async def database(database_url: str) -> AsyncIterator[str]:
    """The test database, migrated and open for the models; yields its URL."""
    async with open_database(database_url):
        yield database_url


async def on_postgres_server(statement: str) -> None:
    connection = await asyncpg.connect(POSTGRES_SERVER_URL)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()
