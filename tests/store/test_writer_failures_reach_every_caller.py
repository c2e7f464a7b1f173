"""A batch that cannot be written fails each of its callers; none is left waiting."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import asyncpg
import pytest

from server.store import backends
from server.store.backends import POSTGRES_APPLICATION_NAME
from server.store.db import backend_of
from server.store.errors import StoreUnavailable, WriteRejected
from server.store.writer import EventWriter, NewAttempt, NewEvent

pytestmark = pytest.mark.postgres

ReadElsewhere = Callable[..., Awaitable[list[dict[str, Any]]]]
MakeEvent = Callable[..., NewEvent]
# Guards against a hang (a test that never ends), not a speed requirement.
HANG_GUARD_S = 30


async def drop_tables(database_url: str) -> None:
    """Make every write fail, on a connection of its own."""
    if backend_of(database_url) == "sqlite":
        with sqlite3.connect(database_url.removeprefix("sqlite://")) as connection:
            connection.executescript("DROP TABLE attempt; DROP TABLE event;")
        return
    connection = await asyncpg.connect(database_url)
    try:
        await connection.execute("DROP TABLE attempt; DROP TABLE event")
    finally:
        await connection.close()


async def test_a_failing_batch_raises_store_unavailable_for_every_caller(
    writer: EventWriter, make_event: MakeEvent, database: str
) -> None:
    await drop_tables(database)

    async with asyncio.timeout(HANG_GUARD_S):
        results = await asyncio.gather(
            *(writer.record_event(make_event()) for _ in range(20)), return_exceptions=True
        )

    assert len(results) == 20
    assert all(isinstance(result, StoreUnavailable) for result in results)
    assert len({id(result) for result in results}) == 20


async def test_a_row_the_database_refuses_fails_only_its_own_caller(
    writer: EventWriter, make_event: MakeEvent, read_elsewhere: ReadElsewhere
) -> None:
    orphan = make_event(endpoint_id="0190a1b2-0000-7000-8000-000000000000")
    events = [make_event(), make_event(), orphan, make_event()]

    async with asyncio.timeout(HANG_GUARD_S):
        results = await asyncio.gather(
            *(writer.record_event(event) for event in events), return_exceptions=True
        )

    assert isinstance(results[2], WriteRejected)
    assert not any(isinstance(result, BaseException) for i, result in enumerate(results) if i != 2)
    [count] = await read_elsewhere("SELECT COUNT(*) AS n FROM event")
    assert count["n"] == 3


async def test_an_outcome_for_an_unknown_event_is_rejected(writer: EventWriter) -> None:
    attempt = NewAttempt(0, "a", 1, datetime.now(UTC), 1.0, "success", None, 200, {}, "", None)

    with pytest.raises(WriteRejected):
        await writer.record_outcome(
            "0190a1b2-0000-7000-8000-000000000000",
            status="delivered",
            answer_status=200,
            answer_body={},
            attempts=[attempt],
        )


async def test_a_malformed_endpoint_id_is_rejected_before_it_reaches_a_batch(
    writer: EventWriter, make_event: MakeEvent
) -> None:
    with pytest.raises(WriteRejected, match="not an id"):
        await writer.record_event(make_event(endpoint_id="shop"))
    assert writer.transactions == 0


async def test_the_writer_reconnects_after_losing_its_postgresql_connection(
    writer: EventWriter, make_event: MakeEvent, database: str
) -> None:
    if backend_of(database) != "postgres":
        pytest.skip("PostgreSQL connection handling")
    await writer.record_event(make_event())
    connection = await asyncpg.connect(database)
    try:
        terminated = await connection.fetchval(
            "SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE application_name = $1 AND datname = current_database()",
            POSTGRES_APPLICATION_NAME,
        )
    finally:
        await connection.close()

    # The write in flight when the connection drops fails; the writer then reconnects.
    outcomes = []
    for _ in range(2):
        try:
            await writer.record_event(make_event())
            outcomes.append("stored")
        except StoreUnavailable:
            outcomes.append("unavailable")

    assert terminated == 1
    assert outcomes[-1] == "stored"


@asynccontextmanager
async def write_lock_held_elsewhere(database_url: str) -> AsyncIterator[None]:
    """Another connection holds the lock every event insert needs, until exit."""
    if backend_of(database_url) == "sqlite":
        locker = sqlite3.connect(database_url.removeprefix("sqlite://"), isolation_level=None)
        locker.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            locker.close()
        return
    connection = await asyncpg.connect(database_url)
    try:
        async with connection.transaction():
            await connection.execute("LOCK TABLE event IN ACCESS EXCLUSIVE MODE")
            yield
    finally:
        await connection.close()


async def test_a_write_that_waits_too_long_for_a_lock_fails_instead_of_hanging(
    database: str, make_event: MakeEvent, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Wait limits made short: SQLite's busy timeout (from the URL), PostgreSQL's write timeout.
    monkeypatch.setattr(backends, "WRITE_TIMEOUT_S", 0.2)
    writer = await EventWriter.start(
        f"{database}?busy_timeout=100" if backend_of(database) == "sqlite" else database
    )
    try:
        async with write_lock_held_elsewhere(database), asyncio.timeout(HANG_GUARD_S):
            with pytest.raises(StoreUnavailable):
                await writer.record_event(make_event())
        stored = await writer.record_event(make_event())
    finally:
        await writer.close()

    assert stored.id
