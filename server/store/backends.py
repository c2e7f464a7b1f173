"""The event writer's two connections: SQLite (a thread of its own) and PostgreSQL (asyncpg).

Each writes one batch per transaction and turns driver errors into the store's two:
:class:`WriteRejected` when the data is at fault (one row spoils the batch: the writer
retries the rows one by one) and :class:`StoreUnavailable` for everything else.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

import asyncpg  # type: ignore[import-untyped]
import asyncpg.exceptions._base  # type: ignore[import-untyped]
from tortoise.backends.base.config_generator import expand_db_url

from server.store.db import sqlite_file_and_pragmas
from server.store.errors import StoreUnavailable, WriteRejected

T = TypeVar("T")

# What a prior-event lookup returns: id, payload_hash, status, answer_status, answer_body
# (JSON text or None).
PriorRow = tuple[str, str, str, int | None, str | None]

CONNECT_TIMEOUT_S = 10.0
# How the writer's connection shows in pg_stat_activity.
POSTGRES_APPLICATION_NAME = "switchboard-writer"
# A PostgreSQL batch that takes longer is abandoned (and its connection dropped).
WRITE_TIMEOUT_S = 30.0


@dataclass(frozen=True, slots=True)
class EventRow:
    """An event ready for INSERT: ``params`` in the order of ``EVENT_COLUMNS``."""

    id: str
    endpoint_id: str
    dedupe_key: str | None
    params: tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class OutcomeRow:
    """Attempts (in the order of ``ATTEMPT_COLUMNS``) and the event's UPDATE parameters."""

    attempts: list[tuple[Any, ...]]
    update: tuple[Any, ...]


EVENT_COLUMNS = (
    "id",
    "endpoint_id",
    "received_at",
    "method",
    "content_type",
    "query_string",
    "raw_body",
    "payload",
    "body_format",
    "transactionid",
    "contact_email",
    "dedupe_key",
    "payload_hash",
    "flags",
    "next_attempt_at",
    "lease_owner",
    "lease_until",
)
ATTEMPT_COLUMNS = (
    "id",
    "event_id",
    "action_index",
    "action_name",
    "attempt_no",
    "started_at",
    "duration_ms",
    "outcome",
    "request",
    "response_status",
    "response_headers",
    "response_body",
    "error",
)
INSERT_EVENT = (
    f"INSERT INTO event ({', '.join(EVENT_COLUMNS)}, status, tries) "
    f"VALUES ({', '.join('?' * len(EVENT_COLUMNS))}, 'received', 0)"
)
INSERT_ATTEMPT = (
    f"INSERT INTO attempt ({', '.join(ATTEMPT_COLUMNS)}) "
    f"VALUES ({', '.join('?' * len(ATTEMPT_COLUMNS))})"
)
UPDATE_EVENT = (
    "UPDATE event SET status = ?, answer_status = ?, answer_body = ?, completed_at = ?, "
    "duplicate_of = COALESCE(?, duplicate_of), flags = COALESCE(?, flags), "
    "tries = COALESCE(tries, 0) + ?, next_attempt_at = ?, lease_owner = NULL, "
    "lease_until = NULL WHERE id = ?"
)
# The stored event with the same key that decides what a repeat gets: one that was delivered,
# else one still being delivered or queued, else one that failed (the earliest of its kind;
# never a duplicate). Looked up before the batch's own events are inserted, so it only finds
# events committed earlier (by any writer); events earlier in the same batch are added by
# :func:`batch_priors`.
_PRIOR_ORDER = "CASE {p}status WHEN 'delivered' THEN 0 WHEN 'failed' THEN 2 ELSE 1 END, {p}id"
PRIOR_SQLITE = (
    "SELECT id, payload_hash, status, answer_status, answer_body FROM event "
    "WHERE endpoint_id = ? AND dedupe_key = ? AND status <> 'duplicate' "
    f"ORDER BY {_PRIOR_ORDER.format(p='')} LIMIT 1"
)
PRIOR_POSTGRES = (
    "SELECT q.endpoint_id, q.dedupe_key, p.id, p.payload_hash, p.status, p.answer_status, "
    "p.answer_body FROM (SELECT DISTINCT * FROM unnest($1::uuid[], $2::text[])) "
    "AS q(endpoint_id, dedupe_key) "
    "CROSS JOIN LATERAL (SELECT e.id, e.payload_hash, e.status, e.answer_status, "
    "e.answer_body FROM event e WHERE e.endpoint_id = q.endpoint_id "
    "AND e.dedupe_key = q.dedupe_key AND e.status <> 'duplicate' "
    f"ORDER BY {_PRIOR_ORDER.format(p='e.')} LIMIT 1) AS p"
)
# Several processes on one PostgreSQL: a transaction that stores events with dedupe keys first
# takes a lock per key (held until it commits, taken in one order so that two batches cannot
# deadlock), so that of two events with the same key arriving at the same instant, the second
# waits and then finds the first as its prior. SQLite writes one batch at a time anyway.
LOCK_DEDUPE_KEYS_POSTGRES = (
    "SELECT pg_advisory_xact_lock(hashtextextended(k, 0)) "
    "FROM (SELECT DISTINCT unnest($1::text[]) AS k ORDER BY 1) AS keys"
)
CHECK_SCHEMA = ("SELECT id FROM event WHERE 1 = 0", "SELECT id FROM attempt WHERE 1 = 0")
NOT_MIGRATED = "The database has no event tables: apply the migrations (switchboard migrate)."


def numbered(sql: str) -> str:
    """PostgreSQL's ``$1, $2…`` placeholders in place of ``?``."""
    parts = sql.split("?")
    return parts[0] + "".join(f"${n}{part}" for n, part in enumerate(parts[1:], start=1))


def utc(value: datetime) -> datetime:
    """The same instant in UTC (a naive value is taken to be UTC already)."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


class SqliteWriter:
    """One ``sqlite3`` connection, used only by one thread: each batch is one call to it."""

    def __init__(self, path: str, pragmas: dict[str, Any]) -> None:
        self._path = path
        self._pragmas = pragmas
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="switchboard-sqlite-writer")
        self._connection: sqlite3.Connection | None = None

    @classmethod
    async def open(cls, database_url: str) -> SqliteWriter:
        writer = cls(*sqlite_file_and_pragmas(database_url))
        try:
            await writer._call(writer._connect)
        except BaseException:
            await writer.close()
            raise
        return writer

    @staticmethod
    def timestamp(value: datetime) -> str:
        """The text tortoise stores for a datetime, always with microseconds."""
        return utc(value).isoformat(" ", "microseconds")

    async def write(
        self, events: Sequence[EventRow], outcomes: Sequence[OutcomeRow]
    ) -> list[PriorRow | None]:
        priors: list[PriorRow | None] = await self._call(self._write, events, outcomes)
        return priors

    async def close(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            await self._call(self._disconnect)
        self._thread.shutdown(wait=False)

    async def _call(self, function: Any, *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self._thread, function, *args)

    def _connect(self) -> None:
        try:
            connection = sqlite3.connect(self._path, isolation_level=None, check_same_thread=False)
        except sqlite3.Error as exc:
            raise StoreUnavailable(f"Cannot open the database {self._path}: {exc}") from exc
        try:
            for pragma, value in self._pragmas.items():
                connection.execute(f"PRAGMA {pragma}={value}")
            for statement in CHECK_SCHEMA:
                connection.execute(statement)
        except sqlite3.Error as exc:
            connection.close()
            message = NOT_MIGRATED if "no such table" in str(exc) else str(exc)
            raise StoreUnavailable(message) from exc
        self._connection = connection

    def _disconnect(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def _write(
        self, events: Sequence[EventRow], outcomes: Sequence[OutcomeRow]
    ) -> list[PriorRow | None]:
        connection = self._connection
        if connection is None:
            raise StoreUnavailable("The event writer is closed.")
        try:
            connection.execute("BEGIN IMMEDIATE")
            try:
                priors = _write_sqlite_rows(connection, events, outcomes)
                connection.execute("COMMIT")
            except BaseException:
                with contextlib.suppress(sqlite3.Error):
                    connection.execute("ROLLBACK")
                raise
        except (sqlite3.IntegrityError, sqlite3.DataError, UnicodeEncodeError) as exc:
            raise WriteRejected(f"The database refused the row: {exc}") from exc
        except sqlite3.Error as exc:
            raise StoreUnavailable(f"Cannot write to the database: {exc}") from exc
        return priors


def _write_sqlite_rows(
    connection: sqlite3.Connection, events: Sequence[EventRow], outcomes: Sequence[OutcomeRow]
) -> list[PriorRow | None]:
    stored = {key: connection.execute(PRIOR_SQLITE, key).fetchone() for key in _dedupe_keys(events)}
    connection.executemany(INSERT_EVENT, [event.params for event in events])
    connection.executemany(INSERT_ATTEMPT, [row for o in outcomes for row in o.attempts])
    connection.executemany(UPDATE_EVENT, [outcome.update for outcome in outcomes])
    return batch_priors(events, stored)


class PostgresWriter:
    """A dedicated asyncpg connection (reconnected after a failure): a batch per transaction.

    Its own connection rather than one from tortoise's pool: the prepared statements stay
    cached on it, the hot path never waits behind a slow page query for a pooled
    connection, and the writer needs no tortoise context in the task that runs it.
    """

    _INSERT_EVENT = numbered(INSERT_EVENT)
    _INSERT_ATTEMPT = numbered(INSERT_ATTEMPT)
    _UPDATE_EVENT = numbered(UPDATE_EVENT)

    def __init__(self, arguments: dict[str, Any]) -> None:
        self._arguments = arguments
        self._connection: asyncpg.Connection | None = None

    @classmethod
    async def open(cls, database_url: str) -> PostgresWriter:
        writer = cls(_asyncpg_arguments(database_url))
        await writer._connected()
        return writer

    @staticmethod
    def timestamp(value: datetime) -> datetime:
        return utc(value)

    async def write(
        self, events: Sequence[EventRow], outcomes: Sequence[OutcomeRow]
    ) -> list[PriorRow | None]:
        connection = await self._connected()
        attempt = asyncio.ensure_future(self._transaction(connection, events, outcomes))
        attempt.add_done_callback(_retrieve_exception)
        try:
            done, _ = await asyncio.wait({attempt}, timeout=WRITE_TIMEOUT_S)
        finally:
            if not attempt.done():  # timed out, or we are cancelled: give up the connection,
                self._drop()  # which fails the pending statement at once (no ROLLBACK to wait on)
        if not done:
            raise StoreUnavailable(f"The database did not answer in {WRITE_TIMEOUT_S:g} s.")
        try:
            return attempt.result()
        except (
            asyncpg.IntegrityConstraintViolationError,
            asyncpg.DataError,
            asyncpg.exceptions._base.DataError,
            UnicodeEncodeError,
        ) as exc:
            raise WriteRejected(f"The database refused the row: {exc}") from exc
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            if connection.is_closed():
                self._connection = None
            raise StoreUnavailable(f"Cannot write to the database: {exc}") from exc

    async def close(self) -> None:
        if self._connection is not None:
            connection, self._connection = self._connection, None
            try:
                await asyncio.wait_for(connection.close(), CONNECT_TIMEOUT_S)
            except (TimeoutError, OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
                connection.terminate()

    def _drop(self) -> None:
        if self._connection is not None:
            self._connection.terminate()
            self._connection = None

    async def _connected(self) -> asyncpg.Connection:
        if self._connection is not None and not self._connection.is_closed():
            return self._connection
        try:
            connection = await asyncpg.connect(**self._arguments, timeout=CONNECT_TIMEOUT_S)
        except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            raise StoreUnavailable(f"Cannot connect to the database: {exc}") from exc
        try:
            for statement in CHECK_SCHEMA:
                await connection.execute(statement)
        except asyncpg.UndefinedTableError as exc:
            await connection.close()
            raise StoreUnavailable(NOT_MIGRATED) from exc
        self._connection = connection
        return connection

    async def _transaction(
        self,
        connection: asyncpg.Connection,
        events: Sequence[EventRow],
        outcomes: Sequence[OutcomeRow],
    ) -> list[PriorRow | None]:
        priors: list[PriorRow | None] = []
        async with connection.transaction():
            if events:
                priors = batch_priors(events, await _postgres_priors(connection, events))
                await connection.executemany(self._INSERT_EVENT, [e.params for e in events])
            attempts = [row for outcome in outcomes for row in outcome.attempts]
            if attempts:
                await connection.executemany(self._INSERT_ATTEMPT, attempts)
            if outcomes:
                await connection.executemany(self._UPDATE_EVENT, [o.update for o in outcomes])
        return priors


def _retrieve_exception(task: asyncio.Future[Any]) -> None:
    """Mark an abandoned write's error as seen (its callers were already answered)."""
    if not task.cancelled():
        task.exception()


async def _postgres_priors(
    connection: asyncpg.Connection, events: Sequence[EventRow]
) -> dict[tuple[str, str], PriorRow]:
    """The stored prior of each (endpoint, key) of a batch, locked first: one round trip each."""
    keys = sorted(_dedupe_keys(events))
    if not keys:
        return {}
    await connection.execute(LOCK_DEDUPE_KEYS_POSTGRES, [f"{e}:{k}" for e, k in keys])
    rows = await connection.fetch(
        PRIOR_POSTGRES, [endpoint for endpoint, _ in keys], [key for _, key in keys]
    )
    return {(str(row[0]), row[1]): (str(row[2]), *row[3:]) for row in rows}


def _dedupe_keys(events: Sequence[EventRow]) -> set[tuple[str, str]]:
    return {(e.endpoint_id, e.dedupe_key) for e in events if e.dedupe_key is not None}


def batch_priors(
    events: Sequence[EventRow], stored: Mapping[tuple[str, str], PriorRow | None]
) -> list[PriorRow | None]:
    """Each event's prior: the stored one, or an event earlier in the same batch.

    An earlier event of the batch counts as one being delivered: it is the prior unless the
    stored one was delivered, or is also under way and older.
    """
    priors: list[PriorRow | None] = []
    first_in_batch: dict[tuple[str, str], EventRow] = {}
    for event in events:
        if event.dedupe_key is None:
            priors.append(None)
            continue
        key = (event.endpoint_id, event.dedupe_key)
        found = stored.get(key)
        earlier = first_in_batch.setdefault(key, event)
        if earlier is not event and (found is None or _rank(found) > _RANK_UNDER_WAY):
            found = (earlier.id, earlier.params[_HASH_COLUMN], "received", None, None)
        priors.append(found)
    return priors


_HASH_COLUMN = EVENT_COLUMNS.index("payload_hash")
_RANK_UNDER_WAY = 1


def _rank(prior: PriorRow) -> int:
    """A prior's place in :data:`_PRIOR_ORDER`."""
    return {"delivered": 0, "failed": 2}.get(prior[2], _RANK_UNDER_WAY)


def _asyncpg_arguments(database_url: str) -> dict[str, Any]:
    """asyncpg's connect() arguments from the URL tortoise also reads."""
    credentials = expand_db_url(database_url)["credentials"]
    names = ("host", "port", "user", "password", "database", "ssl")
    arguments = {name: credentials[name] for name in names if credentials.get(name) is not None}
    arguments["server_settings"] = {"application_name": POSTGRES_APPLICATION_NAME}
    return arguments
