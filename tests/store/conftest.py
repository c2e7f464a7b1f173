"""Fixtures for the store's own tests, on top of ``database_url`` and ``database``.

Those two (a fresh database per test; SQLite, or PostgreSQL when
``SWITCHBOARD_TEST_DATABASE=postgres``) come from ``tests/support/databases.py``.
"""

from __future__ import annotations

import socket
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import asyncpg
import pytest
import pytest_asyncio

from server.store.backends import numbered
from server.store.db import backend_of, database_url_default
from server.store.queries import save_endpoint
from server.store.writer import EventWriter, NewEvent

ReadElsewhere = Callable[..., Awaitable[list[dict[str, Any]]]]
MakeEvent = Callable[..., NewEvent]


@pytest_asyncio.fixture
async def writer(database: str) -> AsyncIterator[EventWriter]:
    started = await EventWriter.start(database)
    yield started
    await started.close()


@pytest_asyncio.fixture
async def endpoint_id(database: str) -> str:
    """An endpoint to receive events."""
    endpoint, _ = await save_endpoint("shop", "Shop", {"switchboard": 1}, enabled=True)
    return str(endpoint.id)


@pytest.fixture
def unreachable_database_url(database_url: str, tmp_path: Path) -> str:
    """A database URL of the test backend where nothing can be reached."""
    if backend_of(database_url) == "sqlite":
        return database_url_default(tmp_path / "no" / "such" / "directory")
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    return f"postgres://postgres@127.0.0.1:{port}/test"


@pytest.fixture
def read_elsewhere(database_url: str) -> ReadElsewhere:
    """Run a query (``?`` placeholders) on a connection of its own: what another process sees."""

    async def read(sql: str, *params: Any) -> list[dict[str, Any]]:
        if backend_of(database_url) == "sqlite":
            return _read_sqlite(database_url, sql, params)
        connection = await asyncpg.connect(database_url)
        try:
            return [dict(row) for row in await connection.fetch(numbered(sql), *params)]
        finally:
            await connection.close()

    return read


def _read_sqlite(database_url: str, sql: str, params: tuple[Any, ...]) -> list[dict[str, Any]]:
    connection = sqlite3.connect(database_url.removeprefix("sqlite://"))
    connection.row_factory = sqlite3.Row
    try:
        return [dict(row) for row in connection.execute(sql, params)]
    finally:
        connection.close()


@pytest.fixture
def make_event(endpoint_id: str) -> MakeEvent:
    """Build a form-post event as the listener would hand it over (fields overridable)."""

    def make(dedupe_key: str | None = None, **changes: Any) -> NewEvent:
        values: dict[str, Any] = {
            "endpoint_id": endpoint_id,
            "method": "POST",
            "content_type": "application/x-www-form-urlencoded",
            "query_string": "source=vbout",
            "raw_body": b"contact[email]=ada%40example.com&transactionid=t-1",
            "payload": {"query": {"source": "vbout"}, "body": {"contact": {"email": "a@b.c"}}},
            "body_format": "form",
            "transactionid": dedupe_key,
            "dedupe_key": dedupe_key,
            "payload_hash": "0" * 64,
            "flags": [],
        }
        values.update(changes)
        return NewEvent(**values)

    return make
