"""The ``switchboard`` command: serve, migrate, import, export, validate, credentials."""

from __future__ import annotations

import asyncio
import dataclasses
import getpass
import re
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import click

from server.imports import export_documents, import_documents
from server.mapping.credentials import SECRET_FIELDS
from server.mapping.files import MappingFileError, dump_documents, load_documents, validate_text
from server.pipeline import running_pipeline
from server.replays import REPLAY_CONCURRENCY, EventReplayed, ReplayJob
from server.settings import Settings, SettingsError, settings_from_env
from server.store import queries
from server.store.db import migrate, open_database
from server.store.deliveries import (
    REPLAY_CAP,
    STATUSES,
    DeliveryFilter,
    MatchingEvents,
    matching_event_ids,
)
from server.store.models import Endpoint

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


class Moment(click.ParamType[datetime]):
    """A moment given on the command line: an ISO date or date-time, or a time ago."""

    name = "when"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> datetime:
        if isinstance(value, datetime):
            return value
        try:
            return moment_of(str(value), datetime.now(UTC))
        except (ValueError, OverflowError):
            self.fail(
                f"'{value}' is not a moment: give an ISO date or date-time (2026-11-20, "
                "2026-11-20T14:00, 2026-11-20T14:00+01:00) or a time ago (30m, 2h, 3d)",
                param,
                ctx,
            )


TIME_AGO = re.compile(r"(\d+)([mhd])")
TIME_AGO_UNITS = {"m": "minutes", "h": "hours", "d": "days"}


def moment_of(text: str, now: datetime) -> datetime:
    """``text`` as a moment in UTC: ISO (naive means UTC), or "2h" for two hours before ``now``.

    Raises ValueError (or OverflowError, for a time ago beyond the calendar) when it is neither.
    """
    ago = TIME_AGO.fullmatch(text.strip().lower())
    if ago is not None:
        return now - timedelta(**{TIME_AGO_UNITS[ago.group(2)]: int(ago.group(1))})
    moment = datetime.fromisoformat(text.strip())
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


@main.command("replay")
@click.argument("event_ids", nargs=-1)
@click.option("--endpoint", "endpoint_key", metavar="KEY", help="Replay this endpoint's events.")
@click.option(
    "--status",
    type=click.Choice(STATUSES),
    help="With --endpoint: events with this status (default failed).",
)
@click.option("--since", type=Moment(), help="With --endpoint: received at or after WHEN.")
@click.option("--until", type=Moment(), help="With --endpoint: received before WHEN.")
@click.option("--dry-run", is_flag=True, help="With --endpoint: count the events, send nothing.")
@click.option("--yes", is_flag=True, help="Do not ask before replaying.")
def replay_command(
    event_ids: tuple[str, ...],
    endpoint_key: str | None,
    status: str | None,
    since: datetime | None,
    until: datetime | None,
    dry_run: bool,
    yes: bool,
) -> None:
    """Send stored events again with their endpoints' current mappings.

    Give the events' ids, or --endpoint KEY for that endpoint's failed events (or those with
    --status) received from --since up to --until, oldest first. WHEN is an ISO date or
    date-time in UTC unless it has an offset (2026-11-20, 2026-11-20T14:00,
    2026-11-20T14:00+01:00) or a time ago (30m, 2h, 3d). Exit status 1 when any event failed
    or was skipped.
    """
    settings = _settings()
    if endpoint_key is None:
        if status or since or until or dry_run:
            raise click.UsageError("--status, --since, --until and --dry-run go with --endpoint")
        if not event_ids:
            raise click.UsageError("give the ids of the events to replay, or --endpoint KEY")
        job = _job_of_events(event_ids)
        # One at a time, in the order given.
        finished: ReplayJob | None = _with_database(
            settings, lambda: _run_replay(settings, job, concurrency=1)
        )
    else:
        if event_ids:
            raise click.UsageError("give event ids or --endpoint, not both")
        if since is not None and until is not None and since >= until:
            raise click.BadParameter("must be before --until", param_hint="'--since'")
        scope = DeliveryFilter(status=status or "failed", since=since, until=until)
        ask = not yes and sys.stdin.isatty()
        finished = _with_database(
            settings,
            lambda: _replay_range(settings, endpoint_key, scope, dry_run=dry_run, ask=ask),
        )
    if finished is None:
        return
    click.echo(
        f"{finished.done} replayed: {finished.delivered} delivered, {finished.failed} failed, "
        f"{finished.skipped} skipped"
    )
    if finished.failed or finished.skipped:
        sys.exit(1)


def _job_of_events(event_ids: tuple[str, ...]) -> ReplayJob:
    matching = MatchingEvents(list(event_ids), len(event_ids))
    return ReplayJob(DeliveryFilter(), "the events named", matching, _print_replayed)


async def _replay_range(
    settings: Settings, key: str, scope: DeliveryFilter, *, dry_run: bool, ask: bool
) -> ReplayJob | None:
    """Replay the events of endpoint ``key`` that ``scope`` matches; None when none is sent."""
    endpoint = await queries.endpoint_by_key(key)
    if endpoint is None:
        raise click.BadParameter(
            f"no endpoint has the key '{key}' (switchboard endpoints lists them)",
            param_hint="'--endpoint'",
        )
    scope = dataclasses.replace(scope, endpoint_id=str(endpoint.id))
    matching = await matching_event_ids(scope, cap=REPLAY_CAP)
    phrase = _range_phrase(matching.total, scope, endpoint)
    if not matching.ids:
        click.echo(f"{phrase}: nothing to replay.")
        return None
    click.echo(f"{phrase}.")
    await _describe(matching)
    if dry_run:
        click.echo("Dry run: nothing was sent.")
        return None
    if ask:
        click.confirm(f"Replay {len(matching.ids):,} events now?", abort=True)
    job = ReplayJob(scope, phrase, matching, _print_replayed)
    return await _run_replay(settings, job)


def _range_phrase(count: int, scope: DeliveryFilter, endpoint: Endpoint) -> str:
    """ "3 failed events of Shop received since 2026-11-20 00:00:00 UTC"."""
    words = [f"{count:,} {scope.status}", "event" if count == 1 else "events"]
    words.append(f"of {endpoint.name} ({endpoint.key})")
    if scope.since is not None:
        words.append(f"received since {_when(scope.since)}")
    if scope.until is not None:
        words.append(f"{'and' if scope.since else 'received'} before {_when(scope.until)}")
    return " ".join(words)


async def _describe(matching: MatchingEvents) -> None:
    """When the events to replay were received, and what is left out over the cap."""
    found = [await queries.event_with_attempts(i) for i in (matching.ids[0], matching.ids[-1])]
    span = " to ".join(_when(event.received_at) for event, _ in filter(None, found))
    if matching.capped:
        click.echo(
            f"That is more than one replay takes ({REPLAY_CAP:,}): this one takes the oldest "
            f"{len(matching.ids):,}, received from {span}. Replay again for the rest, or narrow "
            "the range with --since and --until."
        )
    else:
        click.echo(f"Received from {span}.")


async def _run_replay(
    settings: Settings, job: ReplayJob, concurrency: int = REPLAY_CONCURRENCY
) -> ReplayJob:
    async with running_pipeline(settings) as pipeline:
        await job.run(pipeline, concurrency)
    return job


def _print_replayed(replayed: EventReplayed) -> None:
    outcome = replayed.outcome
    if outcome is None:
        click.echo(f"{replayed.event_id}: {replayed.problem}")
    else:
        click.echo(f"{replayed.event_id}: {outcome.status} (answer {outcome.answer_status})")


def _when(moment: datetime) -> str:
    return f"{moment.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC"


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
