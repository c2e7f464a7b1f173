"""Opening the database: tortoise's configuration, its lifetime, and migrations.

One URL names the database: ``sqlite:///abs/path/switchboard.sqlite3`` (the default) or
``postgres://user:password@host:5432/name``. SQLite runs in WAL mode with
``synchronous=FULL``: every acknowledged event is on disk.

Migrations are tortoise's own (``server/store/migrations/``). To write a new one after
changing ``models.py``::

    .venv/bin/tortoise -c server.store.db.TORTOISE_ORM makemigrations -n what_changed
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, Literal

import asyncpg  # type: ignore[import-untyped]
from tortoise.backends.base.config_generator import expand_db_url
from tortoise.backends.sqlite.client import SqliteClient
from tortoise.context import TortoiseContext, require_context
from tortoise.exceptions import ConfigurationError, DBConnectionError, OperationalError
from tortoise.migrations.executor import MigrationExecutor

from server.store.errors import StoreUnavailable

log = logging.getLogger(__name__)

APP_LABEL = "switchboard"
DATABASE_FILE = "switchboard.sqlite3"
# Milliseconds a SQLite connection waits for another one's write lock before failing.
SQLITE_BUSY_TIMEOUT_MS = 5000
SQLITE_PRAGMAS: dict[str, Any] = {
    "journal_mode": "WAL",
    "synchronous": "FULL",
    "busy_timeout": SQLITE_BUSY_TIMEOUT_MS,
    "foreign_keys": "ON",
}

Backend = Literal["sqlite", "postgres"]

# Errors that mean "the database is not there or not usable", as the drivers raise them
# while connecting or migrating.
# What a database that is down, starting up or shutting down raises (asyncpg's connection
# errors reach us unwrapped through tortoise's pool).
UNAVAILABLE_ERRORS = (
    OSError,
    DBConnectionError,
    OperationalError,
    ConnectionError,
    TimeoutError,
    asyncpg.PostgresConnectionError,
    asyncpg.CannotConnectNowError,
    asyncpg.InterfaceError,
)


def database_url_default(data_dir: Path) -> str:
    """The SQLite database inside the data directory."""
    return f"sqlite://{(data_dir / DATABASE_FILE).absolute()}"


def backend_of(database_url: str) -> Backend:
    """Which of the two supported databases a URL names."""
    engine = expand_db_url(database_url)["engine"]
    if engine == "tortoise.backends.sqlite":
        return "sqlite"
    if engine == "tortoise.backends.asyncpg":
        return "postgres"
    raise ConfigurationError(f"Unsupported database {database_url.split(':', 1)[0]!r}")


def tortoise_config(database_url: str) -> dict[str, Any]:
    """tortoise's configuration for our models on this database."""
    backend_of(database_url)
    connection = expand_db_url(database_url)
    if connection["engine"] == "tortoise.backends.sqlite":
        connection["credentials"] = {**SQLITE_PRAGMAS, **connection["credentials"]}
    return {
        "connections": {"default": connection},
        "apps": _apps_config(),
        "use_tz": True,
        "timezone": "UTC",
    }


def sqlite_file_and_pragmas(database_url: str) -> tuple[str, dict[str, Any]]:
    """The SQLite file and the pragmas every connection to it uses (the URL may add some)."""
    settings = dict(tortoise_config(database_url)["connections"]["default"]["credentials"])
    return settings.pop("file_path"), settings


def _apps_config() -> dict[str, dict[str, Any]]:
    return {
        APP_LABEL: {
            "models": ["server.store.models"],
            "migrations": "server.store.migrations",
            "default_connection": "default",
        }
    }


# For tortoise's own command line (makemigrations needs models, not a real database).
TORTOISE_ORM = tortoise_config("sqlite://:memory:")


@asynccontextmanager
async def open_database(database_url: str) -> AsyncIterator[None]:
    """Make the models usable from every task until exit, after applying pending migrations.

    Works the same from the CLI and from a Litestar lifespan (``async with
    open_database(url): yield``). tortoise keeps the active database in a context variable,
    which request tasks started by the server do not inherit; the context is therefore also
    made the process-wide fallback (as tortoise's own Starlette integration does). One
    database can be open per process at a time.
    """
    context = TortoiseContext()
    try:
        with context:
            await context.init(config=tortoise_config(database_url), _enable_global_fallback=True)
            await _connect(context)
            await _apply_pending(context)
        yield
    finally:
        await context.close_connections()


async def migrate(database_url: str) -> list[str]:
    """Apply pending migrations; return their names (empty when the schema is current)."""
    async with _private_context(database_url) as context:
        return await _apply_pending(context)


async def migrations_pending(database_url: str | None = None) -> bool:
    """Whether the database lacks migrations this code ships (for readiness checks).

    Without a URL, asks the database opened by :func:`open_database`. Raises
    :class:`StoreUnavailable` when the database cannot be reached.
    """
    if database_url is None:
        return bool(await _pending(_executor(require_context())))
    async with _private_context(database_url) as context:
        return bool(await _pending(_executor(context)))


@asynccontextmanager
async def _private_context(database_url: str) -> AsyncIterator[TortoiseContext]:
    """A connection of our own, active only in this task, closed on exit."""
    async with TortoiseContext() as context:
        await context.init(config=tortoise_config(database_url))
        await _connect(context)
        yield context


async def _connect(context: TortoiseContext) -> None:
    """Connect now, so that a database that is not there fails here, clearly.

    (Left to tortoise, a failed first connection is swallowed by the migration recorder and
    leaves the SQLite client's lock held: every later query would wait forever.)
    """
    client = context.db()
    try:
        if isinstance(client, SqliteClient):
            await asyncio.to_thread(_probe_sqlite, client.filename)
        await client.create_connection(with_db=True)
    except Exception as exc:
        raise StoreUnavailable(f"Cannot open the database: {exc}") from exc


def _probe_sqlite(path: str) -> None:
    """Open the file with sqlite3 first: aiosqlite, failing to open, leaves a thread behind
    that later calls into the event loop (an error if the loop has closed by then)."""
    sqlite3.connect(path).close()


def _executor(context: TortoiseContext) -> MigrationExecutor:
    return MigrationExecutor(context.db(), _apps_config())


async def _pending(executor: MigrationExecutor) -> list[str]:
    try:
        await executor.connection.execute_query("SELECT 1")
    except UNAVAILABLE_ERRORS as exc:
        raise StoreUnavailable(f"Cannot reach the database: {exc}") from exc
    steps = await executor.plan()
    return [step.migration.name for step in steps if not step.backward]


async def _apply_pending(context: TortoiseContext) -> list[str]:
    """Run the pending migrations in order, each in its own transaction.

    When several processes start at once, all but one fail to create what another just
    created: that failure is harmless if nothing is pending afterwards.
    """
    applied: list[str] = []

    def note(event: str, _app: str, name: str) -> None:
        if event == "apply_done":
            applied.append(name)
            log.info("Applied migration %s", name)

    try:
        await _executor(context).migrate(progress=note)
    except Exception as exc:
        if not await _pending(_executor(context)):
            return applied
        if isinstance(exc, UNAVAILABLE_ERRORS):
            raise StoreUnavailable(f"Cannot migrate the database: {exc}") from exc
        raise
    return applied
