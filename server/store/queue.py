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
_LEASE_POSTGRES = (
    "UPDATE event SET lease_owner = $1, lease_until = $2 WHERE id IN ("
    + _DUE.format(now="$3", limit="$4")
    + " FOR UPDATE SKIP LOCKED) RETURNING id"
)
_LEASE_SQLITE = (
    "UPDATE event SET lease_owner = ?1, lease_until = ?2 WHERE id IN ("
    + _DUE.format(now="?3", limit="?4")
    + ") RETURNING id"
)
_EXTEND_POSTGRES = "UPDATE event SET lease_until = $1 WHERE id = $2 AND lease_owner = $3"
_EXTEND_SQLITE = "UPDATE event SET lease_until = ? WHERE id = ? AND lease_owner = ?"
_TAKE_POSTGRES = (
    "UPDATE event SET lease_owner = $1, lease_until = $2 WHERE id = $3 "
    "AND (lease_until IS NULL OR lease_until < $4) RETURNING id"
)
_TAKE_SQLITE = (
    "UPDATE event SET lease_owner = ?1, lease_until = ?2 WHERE id = ?3 "
    "AND (lease_until IS NULL OR lease_until < ?4) RETURNING id"
)
_RELEASE_SQLITE = (
    "UPDATE event SET lease_owner = NULL, lease_until = NULL "
    "WHERE lease_owner IS NOT NULL AND status IN ('received', 'pending')"
)


async def lease_due(owner: str, lease_seconds: float, limit: int) -> list[str]:
    """Take up to ``limit`` due events for ``owner`` until ``lease_seconds`` from now; ids."""
    connection = connections.get("default")
    now = datetime.now(UTC)
    until = now + timedelta(seconds=lease_seconds)
    sqlite = _is_sqlite(connection)
    sql, stamp = (_LEASE_SQLITE, SqliteWriter.timestamp) if sqlite else (_LEASE_POSTGRES, utc)
    try:
        # In a transaction of its own, committed at once: sqlite3 would otherwise keep the
        # UPDATE's implicit transaction (and the database's write lock) open. And
        # execute_query_dict, since execute_query drops what RETURNING gives on asyncpg.
        async with in_transaction() as transaction:
            rows = await transaction.execute_query_dict(
                sql, [owner, stamp(until), stamp(now), limit]
            )
    except UNAVAILABLE_ERRORS as error:
        raise StoreUnavailable(f"The queue could not be read: {error}") from error
    return [str(row["id"]) for row in rows]


async def take_lease(event_id: str, owner: str, lease_seconds: float) -> bool:
    """Lease one event for ``owner`` (a replay), unless somebody is delivering it right now."""
    connection = connections.get("default")
    now = datetime.now(UTC)
    until = now + timedelta(seconds=lease_seconds)
    sqlite = _is_sqlite(connection)
    sql, stamp = (_TAKE_SQLITE, SqliteWriter.timestamp) if sqlite else (_TAKE_POSTGRES, utc)
    try:
        async with in_transaction() as transaction:
            rows = await transaction.execute_query_dict(
                sql, [owner, stamp(until), event_id, stamp(now)]
            )
    except UNAVAILABLE_ERRORS as error:
        raise StoreUnavailable(f"The event could not be leased: {error}") from error
    return bool(rows)


async def extend_lease(event_id: str, owner: str, lease_seconds: float) -> None:
    """Keep holding an event for ``lease_seconds`` more (its endpoint may need longer)."""
    connection = connections.get("default")
    until = datetime.now(UTC) + timedelta(seconds=lease_seconds)
    sqlite = _is_sqlite(connection)
    sql, stamp = (_EXTEND_SQLITE, SqliteWriter.timestamp) if sqlite else (_EXTEND_POSTGRES, utc)
    try:
        async with in_transaction() as transaction:
            await transaction.execute_query(sql, [stamp(until), event_id, owner])
    except UNAVAILABLE_ERRORS as error:
        raise StoreUnavailable(f"The queue could not be written: {error}") from error


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
