"""Fill a fresh Switchboard database with ten days of realistic traffic, for bench/pages.sh.

The four presets in ``mappings/`` are imported (``server.imports.import_documents``) and
their credentials given made-up secrets. Then each event takes the listener's own journey,
``Pipeline.receive`` — normalise, dedupe, store, map, record — and failed events are
replayed with ``Pipeline.replay``, so every row is written by the real store code
(``EventWriter``) with the real redaction, skipped actions, failure answers and repeats.
Only the network is simulated: ``server.pipeline.send`` is replaced, for the duration of
the seed, by :func:`simulated_send`, which answers as HubSpot, Pipedrive, Meta or a webhook
would (and sometimes fails as they do: 429, 5xx, 401, timeouts, refused connections).

The pipeline stamps rows with the current time; a last pass moves each event to its place in
the last ``--days`` days (``received_at``, ``completed_at``, and each attempt's
``started_at`` and ``duration_ms``), oldest first, so that the time-ordered ids and
``received_at`` sort the same way, as they do in a real database.

The bodies are ``tests/samples/platform-form-post.txt`` with a fresh ``transactionid`` and
another contact (name, email, phone, company) per event; contacts come back now and then,
as they do on a real platform. Run with the server's environment (``DATABASE_URL``,
``SWITCHBOARD_DATA_DIR``) on an empty database; it prints one JSON object: what the pages
benchmark needs (an endpoint key, an email, a transactionid, an event id) and the counts.

    .venv/bin/python bench/pages_seed.py --events 10000 --days 10
"""

from __future__ import annotations

import argparse
import asyncio
import contextvars
import json
import random
import sys
import time
import unicodedata
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from unittest import mock
from urllib.parse import parse_qsl, urlencode, urlsplit

import msgspec
from tortoise.transactions import in_transaction

import server.pipeline
from server.delivery.client import ClientSettings, create_client_session
from server.delivery.send import DeliveryResult
from server.endpoints import EndpointCache
from server.imports import import_documents
from server.mapping.credentials import SECRET_FIELDS
from server.mapping.files import load_documents
from server.mapping.request import OutboundRequest
from server.pipeline import Inbound, Pipeline
from server.settings import settings_from_env
from server.store import queries
from server.store.backends import PostgresWriter, SqliteWriter, numbered
from server.store.db import backend_of, open_database
from server.store.models import Attempt, Event
from server.store.writer import EventWriter

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "tests" / "samples" / "platform-form-post.txt"
FORM = "application/x-www-form-urlencoded"
# Share of the events each preset receives; Pipedrive's three actions make two attempts per
# event on average overall.
ENDPOINT_WEIGHTS = {
    "pipedrive-person": 0.55,
    "hubspot-contacts": 0.2,
    "json-webhook": 0.13,
    "facebook-custom-audience": 0.12,
}
AUDIENCE_ID = "23850000000000001"
DUPLICATE_SHARE = 0.06  # platform retries of an event already received (same body)
FAILURE_SHARE = 0.12  # events whose delivery fails the first time
REPLAY_SHARE = 0.55  # failed events someone replays later
REPLAY_SUCCESS = 0.7  # replays that then succeed
NO_EMAIL_SHARE = 0.02  # contacts without an email: their actions are skipped
CHUNK = 250  # events received at once (the writer groups their commits)
FIRST_NAMES = (
    "Jane",
    "John",
    "Maria",
    "Ahmed",
    "Wei",
    "Olga",
    "Pierre",
    "Aisha",
    "Kenji",
    "Zoë",
    "Ines",
)
LAST_NAMES = (
    "Doe",
    "Smith",
    "Garcia",
    "Khan",
    "Zhang",
    "Okafor",
    "Rossi",
    "Müller",
    "López",
    "Nguyen",
)
COMPANIES = (
    "Acme Widgets & Co.",
    "Globex",
    "Initech",
    "Umbrella Health",
    "Stark Logistics",
    "Wayne Foods",
    "Hooli",
    "Vandelay Imports",
)
CITIES = ("San Francisco", "Paris", "Berlin", "Lagos", "São Paulo", "Tokyo", "Toronto", "Madrid")
DOMAINS = ("example.com", "mail.example.org", "acme.test", "globex.example", "inbox.example.net")
# How a failed first delivery failed: (kind, weight).
FAILURES = (("429", 3), ("500", 2), ("503", 2), ("401", 1), ("400", 1), ("timeout", 2), ("dns", 1))


@dataclass(slots=True)
class Contact:
    first: str
    last: str
    email: str | None
    phone: str
    company: str
    city: str
    platform_id: int


@dataclass(slots=True)
class Planned:
    """One event as it will arrive, and how the targets will treat it."""

    endpoint: str
    at: datetime
    body: bytes
    query: bytes
    transactionid: str
    contact: Contact
    repeat_of: Planned | None = None
    failure: str | None = None  # how the first delivery fails, if it does
    fail_after: int = 0  # requests that succeed before the failing one
    replay_at: datetime | None = None
    replay_failure: str | None = None
    event_id: str = ""
    rounds: list[list[float]] = field(default_factory=list)  # simulated ms per request, per try


# The event whose delivery the simulated targets are answering (set per task).
CURRENT: contextvars.ContextVar[tuple[Planned, int]] = contextvars.ContextVar("current")


class Targets:
    """What the simulated APIs remember: Pipedrive's persons and HubSpot's contacts."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.pipedrive: dict[str, int] = {}
        self.hubspot: dict[str, int] = {}

    async def send(
        self, session: Any, request: OutboundRequest, *, max_response_bytes: int
    ) -> DeliveryResult:
        """Answer ``request`` as its API would, for the event being delivered."""
        planned, round_no = CURRENT.get()
        position = len(planned.rounds[round_no])  # requests already sent in this try
        failure = planned.failure if round_no == 0 else planned.replay_failure
        if failure is not None and position == planned.fail_after:
            result = self._failure(request, failure)
        else:
            result = self._success(request, planned.contact)
        planned.rounds[round_no].append(result.duration_ms)
        return result

    def _success(self, request: OutboundRequest, contact: Contact) -> DeliveryResult:
        parts = urlsplit(request.url)
        email = contact.email or ""
        status = 200
        body: dict[str, Any] = {"ok": True}
        if parts.hostname == "api.hubapi.com":
            known = email in self.hubspot
            record = self.hubspot.setdefault(email, 51_000_000 + len(self.hubspot))
            body = {
                "status": "COMPLETE",
                "results": [
                    {
                        "id": str(record),
                        "properties": {"email": email, "firstname": contact.first},
                        "new": not known,
                    }
                ],
            }
        elif parts.hostname == "api.pipedrive.com":
            status, body = self._pipedrive(request, parts.path, contact)
        elif parts.hostname == "graph.facebook.com":
            body = {
                "audience_id": AUDIENCE_ID,
                "session_id": str(self.rng.getrandbits(60)),
                "num_received": 1,
                "num_invalid_entries": 0,
                "invalid_entry_samples": {},
            }
        return self._answer(status, body, self.rng.lognormvariate(5.2, 0.5))

    def _pipedrive(
        self, request: OutboundRequest, path: str, contact: Contact
    ) -> tuple[int, dict[str, Any]]:
        email = contact.email or ""
        name = f"{contact.first} {contact.last}"
        if path.endswith("/persons/search"):
            found = self.pipedrive.get(email)
            items = [] if found is None else [{"result_score": 1.0, "item": {"id": found}}]
            return 200, {"success": True, "data": {"items": items}}
        if request.method == "PUT":
            person = int(path.rsplit("/", 1)[1])
            return 200, {"success": True, "data": {"id": person, "name": name}}
        person = self.pipedrive.setdefault(email, 7_000 + len(self.pipedrive))
        return 201, {"success": True, "data": {"id": person, "name": name}}

    def _failure(self, request: OutboundRequest, kind: str) -> DeliveryResult:
        host = urlsplit(request.url).hostname
        if kind == "timeout":
            return _error(
                request.timeout * 1000 + 3,
                f"the target did not answer within {request.timeout:g} s",
                "timeout",
            )
        if kind == "dns":
            return _error(
                self.rng.uniform(5, 40), f"the host name {host} could not be resolved", "connection"
            )
        messages = {
            "429": "Rate limit exceeded: slow down.",
            "500": "Internal server error",
            "503": "Service temporarily unavailable",
            "401": "Authentication failed: invalid token.",
            "400": "Invalid input: property values were not valid.",
        }
        body = {"status": "error", "message": messages[kind], "correlationId": str(uuid.uuid4())}
        return self._answer(int(kind), body, self.rng.lognormvariate(5.5, 0.6))

    def _answer(self, status: int, body: dict[str, Any], duration_ms: float) -> DeliveryResult:
        headers = {
            "content-type": "application/json; charset=utf-8",
            "date": format_datetime(datetime.now(UTC), usegmt=True),
            "x-request-id": str(uuid.UUID(int=self.rng.getrandbits(128))),
        }
        return DeliveryResult(
            status, headers, msgspec.json.encode(body), False, round(duration_ms, 3), None, None
        )


def _error(duration_ms: float, message: str, kind: Any) -> DeliveryResult:
    return DeliveryResult(None, {}, b"", False, round(duration_ms, 3), message, kind)


# --- the plan ----------------------------------------------------------------------------------


def plan_events(count: int, days: float, rng: random.Random, now: datetime) -> list[Planned]:
    """``count`` events over the last ``days`` days, oldest first."""
    sample = parse_qsl(SAMPLE.read_text().strip(), keep_blank_values=True)
    contacts = [_contact(rng, n) for n in range(max(count // 3, 1))]
    span = timedelta(days=days).total_seconds()
    moments = sorted(now - timedelta(seconds=rng.uniform(60, span)) for _ in range(count))
    names, weights = list(ENDPOINT_WEIGHTS), list(ENDPOINT_WEIGHTS.values())
    planned: list[Planned] = []
    recent: dict[str, list[Planned]] = {name: [] for name in names}
    for at in moments:
        endpoint = rng.choices(names, weights)[0]
        earlier = [p for p in recent[endpoint][-CHUNK * 2 : -CHUNK] if p.repeat_of is None]
        if earlier and rng.random() < DUPLICATE_SHARE:
            first = rng.choice(earlier)
            event = Planned(
                endpoint, at, first.body, first.query, first.transactionid, first.contact, first
            )
        else:
            event = _new_event(endpoint, at, rng.choice(contacts), sample, rng, now)
        planned.append(event)
        recent[endpoint].append(event)
    return planned


def _contact(rng: random.Random, n: int) -> Contact:
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    email = None
    if rng.random() >= NO_EMAIL_SHARE:
        local = unicodedata.normalize("NFKD", f"{first}.{last}".lower())
        local = local.encode("ascii", "ignore").decode()
        email = f"{local}{n}@{rng.choice(DOMAINS)}"
        if rng.random() < 0.1:
            email = email.title()  # typed with capitals: the log's search still finds it
    phone = f"+1 (415) 555-{rng.randrange(10_000):04d}"
    return Contact(
        first, last, email, phone, rng.choice(COMPANIES), rng.choice(CITIES), 980_000_000 + n
    )


def _new_event(
    endpoint: str,
    at: datetime,
    contact: Contact,
    sample: Sequence[tuple[str, str]],
    rng: random.Random,
    now: datetime,
) -> Planned:
    transactionid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
    values = {
        "transactionid": transactionid,
        "contact[id]": str(contact.platform_id),
        "contact[email]": contact.email or "",
        "contact[phone]": contact.phone,
        "fields[0][value]": contact.first,
        "fields[1][value]": contact.last,
        "fields[2][value]": contact.company,
        "fields[3][value]": contact.city,
    }
    body = urlencode([(name, values.get(name, value)) for name, value in sample]).encode()
    query = f"audience_id={AUDIENCE_ID}".encode() if endpoint.startswith("facebook") else b""
    event = Planned(endpoint, at, body, query, transactionid, contact)
    if rng.random() < FAILURE_SHARE:
        kinds, weights = zip(*FAILURES, strict=True)
        event.failure = rng.choices(kinds, weights)[0]
        event.fail_after = rng.choice((0, 0, 1)) if endpoint == "pipedrive-person" else 0
        replay_at = at + timedelta(minutes=rng.uniform(10, 2 * 24 * 60))
        if rng.random() < REPLAY_SHARE and replay_at < now - timedelta(minutes=1):
            event.replay_at = replay_at
            if rng.random() >= REPLAY_SUCCESS:
                event.replay_failure = event.failure
    return event


# --- running it through the pipeline -----------------------------------------------------------


async def seed(count: int, days: float, rng: random.Random) -> dict[str, Any]:
    settings = settings_from_env()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    url = settings.effective_database_url
    started = time.monotonic()
    async with open_database(url):
        if await Event.exists():
            raise SystemExit("pages_seed.py: the database already holds events; use a fresh one")
        tokens = await import_presets()
        planned = plan_events(count, days, rng, datetime.now(UTC))
        targets = Targets(rng)
        writer = await EventWriter.start(url)
        session = create_client_session(ClientSettings())
        pipeline = Pipeline(settings, writer, session, EndpointCache(3600))
        try:
            with mock.patch.object(server.pipeline, "send", targets.send):
                await receive_all(pipeline, planned, tokens)
                await replay_failed(pipeline, planned)
        finally:
            await session.close()
            await writer.close()
        await move_to_their_time(planned, url)
        return await summary(planned, time.monotonic() - started)


async def import_presets() -> dict[str, str]:
    """Import every preset, give each credential a made-up secret; token by endpoint key."""
    documents = []
    for path in sorted((ROOT / "mappings").glob("*.yaml")):
        documents.extend(load_documents(path.read_text(encoding="utf-8"), filename=str(path)))
    results = await import_documents(documents)
    for credential in await queries.list_credentials():
        secret = {
            name: f"bench-{name}-{uuid.uuid4().hex}" for name in SECRET_FIELDS[credential.type]
        }
        await queries.save_credential(
            credential.name, credential.type, dict(credential.options), secret
        )
    return {result.key: result.token for result in results}


async def receive_all(pipeline: Pipeline, planned: list[Planned], tokens: dict[str, str]) -> None:
    """Each event through ``Pipeline.receive``, a chunk at a time, oldest first.

    Tasks start in list order and each makes its event's id before its first pause (the
    endpoints are cached first, so the listener reads none), so ids grow with the planned
    times (checked in :func:`move_to_their_time`).
    """
    for token in tokens.values():
        await pipeline.endpoints.by_token(token)

    async def receive(event: Planned) -> None:
        event.rounds.append([])
        CURRENT.set((event, 0))
        inbound = Inbound(tokens[event.endpoint], "POST", FORM, event.query, event.body)
        answer = await pipeline.receive(inbound)
        if answer.event_id is None:
            raise RuntimeError(f"the listener stored nothing: {answer.status} {answer.body}")
        event.event_id = answer.event_id

    for start in range(0, len(planned), CHUNK):
        chunk = planned[start : start + CHUNK]
        await asyncio.gather(*(asyncio.create_task(receive(event)) for event in chunk))


async def replay_failed(pipeline: Pipeline, planned: list[Planned]) -> None:
    async def replay(event: Planned) -> None:
        event.rounds.append([])
        CURRENT.set((event, 1))
        await pipeline.replay(event.event_id)

    chosen = [event for event in planned if event.replay_at is not None]
    for start in range(0, len(chosen), CHUNK):
        await asyncio.gather(*(replay(event) for event in chosen[start : start + CHUNK]))


async def move_to_their_time(planned: list[Planned], url: str) -> None:
    """Give events and attempts their planned times and the simulated durations."""
    by_id = {event.event_id: event for event in planned}
    if [event.event_id for event in planned] != sorted(by_id, key=uuid.UUID):
        raise RuntimeError("event ids do not grow with the planned times")
    stamp = SqliteWriter.timestamp if backend_of(url) == "sqlite" else PostgresWriter.timestamp
    event_rows: list[list[Any]] = []
    attempt_rows: list[list[Any]] = []
    attempts = (
        await Attempt.all()
        .order_by("event_id", "attempt_no", "action_index")
        .values_list("id", "event_id", "attempt_no", "outcome")
    )
    tries: dict[tuple[str, int], list[tuple[str, str]]] = {}
    for attempt_id, event_id, attempt_no, outcome in attempts:
        tries.setdefault((str(event_id), attempt_no), []).append((str(attempt_id), outcome))
    for event in planned:
        moment = event.at
        finished = moment + timedelta(milliseconds=3)
        for round_no, durations in enumerate(event.rounds):
            moment = event.at if round_no == 0 else (event.replay_at or event.at)
            sent = iter(durations)
            for attempt_id, outcome in tries.get((event.event_id, round_no + 1), []):
                took = 0.0 if outcome == "skipped" else next(sent)
                attempt_rows.append([stamp(moment), took, attempt_id])
                moment += timedelta(milliseconds=took + 0.4)
            finished = moment + timedelta(milliseconds=2)
        event_rows.append([stamp(event.at), stamp(finished), event.event_id])
    postgres = backend_of(url) == "postgres"
    events_sql = "UPDATE event SET received_at = ?, completed_at = ? WHERE id = ?"
    attempts_sql = "UPDATE attempt SET started_at = ?, duration_ms = ? WHERE id = ?"
    async with in_transaction() as connection:
        await connection.execute_many(numbered(events_sql) if postgres else events_sql, event_rows)
        await connection.execute_many(
            numbered(attempts_sql) if postgres else attempts_sql, attempt_rows
        )


async def summary(planned: list[Planned], seconds: float) -> dict[str, Any]:
    statuses = Counter(await Event.all().values_list("status", flat=True))
    attempts = await Attempt.all().count()
    pipedrive = [e for e in planned if e.endpoint == "pipedrive-person" and e.contact.email]
    emails = Counter(e.contact.email for e in pipedrive)
    email = next(address for address, seen in emails.most_common() if seen <= 6)
    shown = max(pipedrive, key=lambda e: (len(e.rounds), sum(map(len, e.rounds)), e.at))
    repeated = next(e for e in reversed(planned) if e.repeat_of is not None)
    # The cursor whose "Older" page is the log's last: the 51st oldest event.
    last_page = await Event.all().order_by("received_at", "id").offset(50).first()
    return {
        "endpoint_key": "pipedrive-person",
        "email": email,
        "email_events": emails[email],
        "transactionid": repeated.transactionid,
        "event_id": shown.event_id,
        "last_page_cursor": "" if last_page is None else str(last_page.id),
        "events": sum(statuses.values()),
        "statuses": dict(statuses),
        "attempts": attempts,
        "attempts_per_event": round(attempts / max(sum(statuses.values()), 1), 2),
        "today": sum(1 for e in planned if e.at.date() == datetime.now(UTC).date()),
        "seconds": round(seconds, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--days", type=float, default=10)
    parser.add_argument("--seed", type=int, default=1, help="random seed (same seed, same data)")
    options = parser.parse_args()
    result = asyncio.run(seed(options.events, options.days, random.Random(options.seed)))
    json.dump(result, sys.stdout)
    print()


if __name__ == "__main__":
    main()
