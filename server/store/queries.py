"""Reads and the few non-hot-path writes, each named for what it returns.

Everything here goes through tortoise and needs an open database
(:func:`server.store.db.open_database`). Events and attempts are written by
:mod:`server.store.writer`, not here.

Every write is one statement, never a read followed by a write in one transaction: on
SQLite in WAL mode such a transaction fails at once ("database is locked") when the event
writer commits in between, which under load is nearly always.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, datetime
from typing import Any

from tortoise.context import require_context
from tortoise.expressions import F
from tortoise.query_utils import Prefetch

from server.mapping.credentials import Credential as CredentialWithSecret
from server.store.models import Attempt, Credential, Endpoint, Event
from server.store.sealing import seal, unseal

# Credential columns that may be shown: everything but the secret.
_CREDENTIAL_PUBLIC = ("id", "name", "type", "options", "created_at", "updated_at")
# Endpoint columns but the pinned sample (up to 2 MiB of JSON, only the sample area reads it).
_ENDPOINT_MAPPING = (
    "id",
    "key",
    "name",
    "token",
    "enabled",
    "document",
    "revision",
    "created_at",
    "updated_at",
)
# Event columns for lists: not the raw body or payload, which can be megabytes.
_EVENT_SUMMARY = (
    "id",
    "endpoint_id",
    "received_at",
    "method",
    "content_type",
    "body_format",
    "transactionid",
    "dedupe_key",
    "payload_hash",
    "flags",
    "duplicate_of",
    "status",
    "answer_status",
    "completed_at",
)


def new_token() -> str:
    """A listener token: 192 random bits, URL-safe (32 characters)."""
    return secrets.token_urlsafe(24)


async def endpoint_by_token(token: str) -> Endpoint | None:
    """The endpoint without its pinned sample (the listener's cache reads this often)."""
    return await Endpoint.filter(token=token).only(*_ENDPOINT_MAPPING).first()


async def endpoint_by_id(endpoint_id: str) -> Endpoint | None:
    try:
        key = uuid.UUID(endpoint_id)
    except ValueError:
        return None
    return await Endpoint.get_or_none(id=key)


async def endpoint_by_key(key: str) -> Endpoint | None:
    return await Endpoint.get_or_none(key=key)


async def list_endpoints() -> list[Endpoint]:
    """Every endpoint, by key, without pinned samples."""
    return await Endpoint.all().order_by("key").only(*_ENDPOINT_MAPPING)


async def save_endpoint(
    key: str, name: str, document: dict[str, Any], enabled: bool
) -> tuple[Endpoint, bool]:
    """Create the endpoint with a new token, or update it in place; ``(endpoint, created)``.

    An update keeps the id and the token (senders keep their URL) and bumps ``revision``
    atomically, which tells every process's cache that the mapping changed.
    """
    changes: dict[str, Any] = {"name": name, "document": document, "enabled": enabled}
    updated = await Endpoint.filter(key=key).update(
        **changes, revision=F("revision") + 1, updated_at=datetime.now(UTC)
    )
    if not updated:
        return await Endpoint.create(key=key, token=new_token(), **changes), True
    return await Endpoint.get(key=key), False


async def delete_endpoint(key: str) -> bool:
    """Delete the endpoint and its events; whether it existed."""
    return bool(await Endpoint.filter(key=key).delete())


async def endpoint_revisions() -> dict[str, int]:
    """Each endpoint's revision by id: a cheap check of whether cached mappings are stale."""
    rows = await Endpoint.all().values_list("id", "revision")
    return {str(endpoint_id): revision for endpoint_id, revision in rows}


async def credential_by_name(name: str) -> Credential | None:
    """The credential without its secret (reading ``.secret`` raises AttributeError)."""
    return await Credential.filter(name=name).only(*_CREDENTIAL_PUBLIC).first()


async def list_credentials() -> list[Credential]:
    """Every credential by name, without secrets."""
    return await Credential.all().order_by("name").only(*_CREDENTIAL_PUBLIC)


async def credential_with_secret(name: str) -> CredentialWithSecret | None:
    """The credential with its secret values unsealed: for applying it, never for display."""
    row = await Credential.get_or_none(name=name)
    if row is None:
        return None
    return CredentialWithSecret(row.name, row.type, dict(row.options), unseal(row.secret))


async def save_credential(
    name: str, type: str, options: dict[str, Any], secret: dict[str, str]
) -> tuple[Credential, bool]:
    """Create or replace a credential (an empty ``secret`` means "not set yet")."""
    changes: dict[str, Any] = {"type": type, "options": options, "secret": seal(secret)}
    updated = await Credential.filter(name=name).update(**changes, updated_at=datetime.now(UTC))
    if not updated:
        await Credential.create(name=name, **changes)
    saved = await credential_by_name(name)
    assert saved is not None
    return saved, not updated


async def delete_credential(name: str) -> bool:
    """Delete the credential; whether it existed."""
    return bool(await Credential.filter(name=name).delete())


async def event_with_attempts(event_id: str) -> tuple[Event, list[Attempt]] | None:
    """The whole event and its attempts in order, or None (also for a malformed id)."""
    try:
        key = uuid.UUID(event_id)
    except ValueError:
        return None
    attempts = Attempt.all().order_by("action_index", "attempt_no", "started_at")
    event = await Event.filter(id=key).prefetch_related(Prefetch("attempts", attempts)).first()
    if event is None:
        return None
    return event, list(event.attempts)


async def recent_events(endpoint_id: str, limit: int = 50) -> list[Event]:
    """The endpoint's latest events, newest first, without raw body and payload."""
    return (
        await Event.filter(endpoint_id=endpoint_id)
        .order_by("-received_at", "-id")
        .limit(limit)
        .only(*_EVENT_SUMMARY)
    )


# ---------------------------------------------------------------- the endpoint's sample


async def save_endpoint_sample(endpoint_id: str, sample: dict[str, Any] | None) -> bool:
    """Pin ``sample`` as the endpoint's sample, or unpin with None; whether the endpoint exists.

    Not a mapping change: ``revision`` and ``updated_at`` stay, so no cache recompiles. NUL
    characters become U+FFFD, as in events: PostgreSQL refuses them in JSON.
    """
    try:
        key = uuid.UUID(endpoint_id)
    except ValueError:
        return False
    stored = None if sample is None else _without_nul(sample)
    return bool(await Endpoint.filter(id=key).update(sample=stored))


def _without_nul(value: Any) -> Any:
    if isinstance(value, str):
        return value.replace("\0", "\ufffd")
    if isinstance(value, dict):
        return {_without_nul(key): _without_nul(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_without_nul(item) for item in value]
    return value


async def event_of_endpoint(endpoint_id: str, event_id: str) -> Event | None:
    """The whole event (raw body and payload), if it exists and belongs to this endpoint."""
    try:
        endpoint_key, event_key = uuid.UUID(endpoint_id), uuid.UUID(event_id)
    except ValueError:
        return None
    return await Event.get_or_none(id=event_key, endpoint_id=endpoint_key)


async def recent_sample_candidates(endpoint_id: str, limit: int = 10) -> list[Event]:
    """The endpoint's latest events that are not repeats, newest first, with the contact's
    email; without raw body and payload. Repeats are left out: they carry the same payload."""
    return (
        await Event.filter(endpoint_id=endpoint_id)
        .exclude(status="duplicate")
        .order_by("-received_at", "-id")
        .limit(limit)
        .only(*_EVENT_SUMMARY, "contact_email")
    )


# ---------------------------------------------------------------- operations

# Events still to be delivered: being delivered now, or waiting for a retry (the queue's
# figures are counted in server.store.stats).
WAITING_STATUSES = ("received", "pending")
# Events whose delivery is over; only these are ever deleted by retention.
FINISHED_STATUSES = ("delivered", "failed", "duplicate")


async def database_answers() -> None:
    """Run the most trivial query: returns when the database answers, raises when it does not."""
    await require_context().db().execute_query("SELECT 1")


async def delete_finished_events_received_before(cutoff: datetime, limit: int) -> int:
    """Delete up to ``limit`` finished events received before ``cutoff``; how many were found.

    Their attempts go with them (``ON DELETE CASCADE``). Events still waiting for delivery are
    never deleted, however old: the delete checks the status again, so an event replayed since
    it was found is left alone. (The ids are read first because a delete's row count on SQLite
    includes the cascaded attempts.)
    """
    expired = Event.filter(received_at__lt=cutoff, status__in=FINISHED_STATUSES)
    ids = await expired.limit(limit).values_list("id", flat=True)
    if ids:
        await expired.filter(id__in=ids).delete()
    return len(ids)
