"""The delivery queue: events due for delivery are rows of ``event``; workers lease them.

An event is due when it is ``received`` or ``pending``, its ``next_attempt_at`` has come and
nobody holds a lease on it (or the lease ran out: the process holding it died). Taking events
is one statement that marks them leased by the taker until a given time; on PostgreSQL the
candidates are locked with ``FOR UPDATE SKIP LOCKED``, so several Switchboard processes on one
database never take the same event, and never wait for each other. On SQLite the statement
runs alone (one writer at a time), which gives the same guarantee for one process.

A contact's events for one endpoint are delivered in the order they arrived: an event is not
taken while an earlier event of the same endpoint and contact (by email) is still queued.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise import connections
from tortoise.transactions import in_transaction

from server.store.backends import SqliteWriter, utc
from server.store.db import UNAVAILABLE_ERRORS
from server.store.errors import StoreUnavailable

QUEUED = ("received", "pending")

_DUE = (
    "SELECT e.id FROM event e "
    "WHERE e.next_attempt_at <= {now} AND e.status IN ('received', 'pending') "
    "AND (e.lease_until IS NULL OR e.lease_until < {now}) "
    "AND NOT EXISTS (SELECT 1 FROM event o WHERE o.endpoint_id = e.endpoint_id "
    "AND o.contact_email = e.contact_email AND o.id < e.id "
    "AND o.status IN ('received', 'pending') AND o.next_attempt_at IS NOT NULL) "
    "ORDER BY e.next_attempt_at LIMIT {limit}"
)


def _spellings(sql: str, postgres_only: str = "") -> tuple[str, str]:
    """``sql``, written with ``:1, :2…`` placeholders, for SQLite and for PostgreSQL.

    ``{postgres_only}`` in ``sql`` is ``postgres_only`` on PostgreSQL and nothing on SQLite.
    """
    sqlite = re.sub(r":(\d)", r"?\1", sql.format(postgres_only=""))
    postgres = re.sub(r":(\d)", r"$\1", sql.format(postgres_only=postgres_only))
    return sqlite, postgres


_LEASE = _spellings(
    "UPDATE event SET lease_owner = :1, lease_until = :2 WHERE id IN ("
    + _DUE.format(now=":3", limit=":4")
    + "{postgres_only}) RETURNING id",
    postgres_only=" FOR UPDATE SKIP LOCKED",
)
_TAKE = _spellings(
    "UPDATE event SET lease_owner = :1, lease_until = :2 WHERE id = :3 "
    "AND (lease_until IS NULL OR lease_until < :4) RETURNING id"
)
_EXTEND = _spellings("UPDATE event SET lease_until = :1 WHERE id = :2 AND lease_owner = :3")
_RELEASE_SQLITE = (
    "UPDATE event SET lease_owner = NULL, lease_until = NULL "
    "WHERE lease_owner IS NOT NULL AND status IN ('received', 'pending')"
)


async def lease_due(owner: str, lease_seconds: float, limit: int) -> list[str]:
    """Take up to ``limit`` due events for ``owner`` until ``lease_seconds`` from now; ids."""
    now = datetime.now(UTC)
    until = now + timedelta(seconds=lease_seconds)
    rows = await _execute(_LEASE, [owner, until, now, limit], "The queue could not be read")
    return [str(row["id"]) for row in rows]


async def take_lease(event_id: str, owner: str, lease_seconds: float) -> bool:
    """Lease one event for ``owner`` (a replay), unless somebody is delivering it right now."""
    now = datetime.now(UTC)
    until = now + timedelta(seconds=lease_seconds)
    values = [owner, until, event_id, now]
    return bool(await _execute(_TAKE, values, "The event could not be leased"))


async def extend_lease(event_id: str, owner: str, lease_seconds: float) -> None:
    """Keep holding an event for ``lease_seconds`` more (its endpoint may need longer)."""
    until = datetime.now(UTC) + timedelta(seconds=lease_seconds)
    await _execute(_EXTEND, [until, event_id, owner], "The queue could not be written")


async def _execute(
    statement: tuple[str, str], values: list[Any], problem: str
) -> list[dict[str, Any]]:
    """Run one of the statements above, committed at once; the rows it returns."""
    sqlite = _is_sqlite(connections.get("default"))
    stamp = SqliteWriter.timestamp if sqlite else utc
    sql = statement[0] if sqlite else statement[1]
    params = [stamp(value) if isinstance(value, datetime) else value for value in values]
    try:
        # In a transaction of its own, committed at once: sqlite3 would otherwise keep the
        # UPDATE's implicit transaction (and the database's write lock) open. And
        # execute_query_dict, since execute_query drops what RETURNING gives on asyncpg.
        async with in_transaction() as transaction:
            rows: list[dict[str, Any]] = await transaction.execute_query_dict(sql, params)
    except UNAVAILABLE_ERRORS as error:
        raise StoreUnavailable(f"{problem}: {error}") from error
    return rows


async def release_all_leases() -> int:
    """On SQLite (one process per database), free leases a previous run left; how many.

    A process that was killed holds its leases until they run out; the one that replaces it
    on the same SQLite file knows it is alone, so it takes them back at once.
    """
    connection = connections.get("default")
    if not _is_sqlite(connection):
        return 0
    async with in_transaction() as transaction:
        count, _ = await transaction.execute_query(_RELEASE_SQLITE)
    return int(count)


def _is_sqlite(connection: Any) -> bool:
    return "sqlite" in type(connection).__module__
