"""The ``switchboard`` command: serve, migrate, import, export, validate, credentials."""

from __future__ import annotations

import asyncio
import getpass
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from server.imports import export_documents, import_documents
from server.mapping.credentials import SECRET_FIELDS
from server.mapping.files import MappingFileError, dump_documents, load_documents, validate_text
from server.pipeline import ReplayError, running_pipeline
from server.settings import Settings, SettingsError, settings_from_env
from server.store import queries
from server.store.db import migrate, open_database

T = TypeVar("T")


def _settings() -> Settings:
    try:
        return settings_from_env()
    except SettingsError as error:
        raise click.ClickException(str(error)) from None


def _with_database(settings: Settings, work: Callable[[], Awaitable[T]]) -> T:
    async def run() -> T:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        async with open_database(settings.effective_database_url):
            return await work()

    return asyncio.run(run())


@click.group()
def main() -> None:
    """Switchboard: receive contacts from a marketing platform and map them to any API."""


@main.command()
@click.option("--host", help="Address to listen on (default SWITCHBOARD_HOST or 127.0.0.1).")
@click.option("--port", type=int, help="Port to listen on (default SWITCHBOARD_PORT or 8000).")
def serve(host: str | None, port: int | None) -> None:
    """Start the server (migrates the database first)."""
    import dataclasses

    import uvicorn

    from server.app import create_app
    from server.logs import configure_logging

    settings = _settings()
    settings = dataclasses.replace(settings, host=host or settings.host, port=port or settings.port)
    configure_logging(settings)
    click.echo(f"Switchboard on http://{settings.host}:{settings.port}")
    click.echo(f"Database: {_display_url(settings.effective_database_url)}")
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level.lower(),
        log_config=None,  # uvicorn's lines go through configure_logging's handler too
        access_log=settings.access_log,
        loop="uvloop",
        http="httptools",
        lifespan="on",
    )


@main.command("migrate")
def migrate_command() -> None:
    """Apply pending database migrations and exit."""
    settings = _settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    applied = asyncio.run(migrate(settings.effective_database_url))
    click.echo("\n".join(f"applied {name}" for name in applied) or "database is up to date")


@main.command("validate")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
def validate_command(files: tuple[str, ...]) -> None:
    """Check mapping files; exit status 1 when any has a problem."""
    problems = 0
    for name in files:
        issues = validate_text(Path(name).read_text(encoding="utf-8"), filename=name)
        for issue in issues:
            click.echo(str(issue), err=True)
        problems += len(issues)
        if not issues:
            click.echo(f"{name}: valid")
    if problems:
        sys.exit(1)


@main.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
def import_command(files: tuple[str, ...]) -> None:
    """Import mapping files; print each endpoint's listener URL."""
    settings = _settings()
    documents = []
    for name in files:
        try:
            documents.extend(load_documents(Path(name).read_text(encoding="utf-8"), filename=name))
        except MappingFileError as error:
            for issue in error.issues:
                click.echo(str(issue), err=True)
            sys.exit(1)
    results = _with_database(settings, lambda: import_documents(documents))
    for result in results:
        verb = "created" if result.created else "updated"
        click.echo(f"{result.name} ({result.key}, {verb}): {settings.listener_url(result.token)}")
        for credential in result.credentials_needing_secrets:
            click.echo(
                f"  credential '{credential}' needs its secret: "
                f"switchboard credential set {credential}"
            )


@main.command("export")
@click.argument("keys", nargs=-1)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to this file.")
def export_command(keys: tuple[str, ...], output: str | None) -> None:
    """Write endpoints (all, or those with KEYS) as a mapping file."""
    settings = _settings()
    try:
        documents = _with_database(settings, lambda: export_documents(list(keys) or None))
    except LookupError as error:
        raise click.ClickException(str(error)) from None
    text = dump_documents(documents)
    if output:
        Path(output).write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=False)


@main.command("replay")
@click.argument("event_ids", nargs=-1, required=True)
def replay_command(event_ids: tuple[str, ...]) -> None:
    """Send stored events again with their endpoints' current mappings."""
    settings = _settings()

    async def work() -> list[tuple[str, bool]]:
        results = []
        async with running_pipeline(settings) as pipeline:
            for event_id in event_ids:
                try:
                    outcome = await pipeline.replay(event_id)
                except ReplayError as error:
                    results.append((f"{event_id}: {error}", False))
                    continue
                line = f"{event_id}: {outcome.status} (answer {outcome.answer_status})"
                results.append((line, outcome.status == "delivered"))
        return results

    results = _with_database(settings, work)
    click.echo("\n".join(line for line, _ in results))
    if not all(delivered for _, delivered in results):
        sys.exit(1)


@main.command("endpoints")
def endpoints_command() -> None:
    """List endpoints with their listener URLs."""
    settings = _settings()
    rows = _with_database(settings, queries.list_endpoints)
    for row in rows:
        state = "on" if row.enabled else "off"
        click.echo(f"{row.key}\t{state}\t{row.name}\t{settings.listener_url(row.token)}")


@main.group("credential")
def credential_group() -> None:
    """Manage the credentials actions use."""


@credential_group.command("set")
@click.argument("name")
@click.option("--type", "kind", type=click.Choice(sorted(SECRET_FIELDS)), help="Credential type.")
@click.option("--header", help="Header (type header) or query parameter (type query) name.")
def credential_set(name: str, kind: str | None, header: str | None) -> None:
    """Store a credential's secret; values are read from the terminal or standard input."""
    settings = _settings()

    async def work() -> None:
        existing = await queries.credential_with_secret(name)
        chosen = kind or (existing.type if existing else None)
        if chosen is None:
            raise click.ClickException(f"credential '{name}' is new: give --type")
        options: dict[str, Any] = dict(existing.options) if existing else {}
        if header:
            options["name"] = header
        secret = {field: _read_secret(field) for field in SECRET_FIELDS[chosen]}
        await queries.save_credential(name, chosen, options, secret)

    _with_database(settings, work)
    click.echo(f"credential '{name}' saved")


@credential_group.command("list")
def credential_list() -> None:
    """List credentials (names and types only, never secrets)."""
    settings = _settings()
    rows = _with_database(settings, queries.list_credentials)
    for row in rows:
        click.echo(f"{row.name}\t{row.type}")


def _read_secret(field: str) -> str:
    if sys.stdin.isatty():
        return getpass.getpass(f"{field}: ")
    line = sys.stdin.readline()
    if not line:
        raise click.ClickException(f"no {field} given on standard input")
    return line.rstrip("\n")


def _display_url(url: str) -> str:
    """The database URL without its password."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        credentials, host = rest.rsplit("@", 1)
        user = credentials.split(":", 1)[0]
        return f"{scheme}://{user}@{host}"
    return url


if __name__ == "__main__":
    main()
