"""The hot path's writes: events and their outcomes, durable and grouped into few commits.

One writer per process. A request hands its row to the writer and waits for the commit
that contains it; while one batch commits, the next one gathers, so batches grow with the
load and the cost of a durable commit is shared (group commit). On SQLite the batch goes
in one call to a dedicated thread with its own ``sqlite3`` connection; on PostgreSQL to
a dedicated ``asyncpg`` connection, each batch one transaction of ``executemany`` calls.

Only these statements are raw SQL (the columns are those of :mod:`server.store.models`);
the schema and every read go through tortoise. A batch that fails fails every caller in
it with a :class:`~server.store.errors.StoreError`, never leaving one waiting; when one
row spoils a batch, the rows are retried one by one so that only that row fails.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import msgspec

from server.store import backends
from server.store.db import backend_of
from server.store.errors import StoreError, StoreUnavailable, WriteRejected
from server.store.ids import new_id
from server.store.models import KEY_MAX_LENGTH

__all__ = [
    "EventWriter",
    "NewAttempt",
    "NewEvent",
    "PriorEvent",
    "StoreError",
    "StoreUnavailable",
    "StoredEvent",
    "WriteRejected",
]

log = logging.getLogger(__name__)

# Rows per transaction at most; a larger backlog is written in several.
MAX_BATCH = 1000


@dataclass(frozen=True, slots=True)
class NewEvent:
    """An inbound request as the listener parsed it.

    A ``dedupe_key`` longer than 255 characters is stored as its SHA-256 (equal keys stay
    equal); a longer ``transactionid`` is cut to 255 characters.
    """

    endpoint_id: str
    method: str
    content_type: str
    query_string: str
    raw_body: bytes
    payload: dict[str, Any]
    body_format: str
    transactionid: str | None
    dedupe_key: str | None
    payload_hash: str
    flags: list[str]
    # The process delivering it right after it is stored, and for how long others keep off.
    lease_owner: str | None = None
    lease_seconds: float = 0.0


@dataclass(frozen=True, slots=True)
class PriorEvent:
    """The first stored event with the same dedupe key: the one a new event may repeat."""

    id: str
    payload_hash: str
    status: str
    answer_status: int | None
    answer_body: Any


@dataclass(frozen=True, slots=True)
class StoredEvent:
    """A committed event: its id, when it was received, and the event it may repeat."""

    id: str
    received_at: datetime
    prior: PriorEvent | None


@dataclass(frozen=True, slots=True)
class NewAttempt:
    """One try of one action; ``request`` is ``OutboundRequest.redacted()``."""

    action_index: int
    action_name: str
    attempt_no: int
    started_at: datetime
    duration_ms: float
    outcome: str
    request: dict[str, Any] | None
    response_status: int | None
    response_headers: dict[str, Any]
    response_body: str | None
    error: str | None


class _Backend(Protocol):
    def timestamp(self, value: datetime) -> Any: ...

    async def write(
        self, events: Sequence[backends.EventRow], outcomes: Sequence[backends.OutcomeRow]
    ) -> list[backends.PriorRow | None]: ...

    async def close(self) -> None: ...


_Job = backends.EventRow | backends.OutcomeRow
_Waiting = tuple[_Job, "asyncio.Future[Any]"]


class EventWriter:
    """Writes events and outcomes for the whole process, a batch per commit.

    ``transactions`` counts the commits so far (fewer than the rows, under load).
    """

    def __init__(self, backend: _Backend) -> None:
        self._backend = backend
        self._waiting: list[_Waiting] = []
        self._wakeup = asyncio.Event()
        self._closing = False
        self.transactions = 0
        self._task = asyncio.get_running_loop().create_task(
            self._run(), name="switchboard-event-writer"
        )

    @classmethod
    async def start(cls, database_url: str) -> EventWriter:
        """Connect to the (migrated) database; :class:`StoreUnavailable` if it cannot."""
        if backend_of(database_url) == "sqlite":
            return cls(await backends.SqliteWriter.open(database_url))
        return cls(await backends.PostgresWriter.open(database_url))

    async def close(self) -> None:
        """Write what is waiting, then disconnect."""
        if not self._closing:
            self._closing = True
            self._wakeup.set()
            await self._task
            await self._backend.close()

    async def record_event(self, event: NewEvent) -> StoredEvent:
        """Store a new event (status ``received``) and return it once it is committed.

        ``prior`` is the earliest earlier event of the same endpoint with the same dedupe
        key that is not itself a duplicate (looked up in the same transaction), or None.
        """
        received_at = datetime.now(UTC)
        row = self._event_row(event, received_at)
        prior: PriorEvent | None = await self._submit(row)
        return StoredEvent(id=row.id, received_at=received_at, prior=prior)

    async def record_outcome(
        self,
        event_id: str,
        *,
        status: str,
        answer_status: int,
        answer_body: Any,
        attempts: Sequence[NewAttempt],
        duplicate_of: str | None = None,
        flags: list[str] | None = None,
        retry_at: datetime | None = None,
        delivered_once_more: bool = True,
    ) -> None:
        """Store the attempts and the event's status and answer, in one transaction.

        The event's lease is released; ``retry_at`` (with status ``pending``) puts it back in
        the queue for then. ``delivered_once_more`` counts this round in ``tries`` (not for
        a duplicate, which sends nothing). ``duplicate_of`` and ``flags`` replace the stored
        values only when given. Attempts for an unknown event are rejected
        (:class:`WriteRejected`).
        """
        timestamp = self._backend.timestamp
        now = datetime.now(UTC)
        update = (
            status,
            answer_status,
            _json_or_none(answer_body),
            None if retry_at is not None else timestamp(now),
            None if duplicate_of is None else _uuid(duplicate_of),
            None if flags is None else _json(flags),
            1 if delivered_once_more else 0,
            None if retry_at is None else timestamp(retry_at),
            _uuid(event_id),
        )
        rows = [_attempt_row(_uuid(event_id), attempt, timestamp) for attempt in attempts]
        await self._submit(backends.OutcomeRow(attempts=rows, update=update))

    def _event_row(self, event: NewEvent, received_at: datetime) -> backends.EventRow:
        event_id = new_id()
        endpoint_id = _uuid(event.endpoint_id)
        dedupe_key = _bounded_key(event.dedupe_key)
        try:
            params = (
                event_id,
                endpoint_id,
                self._backend.timestamp(received_at),
                _text(event.method),
                _text(event.content_type),
                _text(event.query_string),
                event.raw_body,
                _json(event.payload),
                event.body_format,
                _text(event.transactionid[:KEY_MAX_LENGTH]) if event.transactionid else None,
                contact_email(event.payload),
                dedupe_key,
                event.payload_hash,
                _json(event.flags),
                self._backend.timestamp(received_at),
                event.lease_owner,
                self._lease_until(event, received_at),
            )
        except (TypeError, ValueError, msgspec.EncodeError) as exc:
            raise WriteRejected(f"The event cannot be stored as JSON: {exc}") from exc
        return backends.EventRow(event_id, endpoint_id, dedupe_key, params)

    def _lease_until(self, event: NewEvent, received_at: datetime) -> Any:
        if event.lease_owner is None:
            return None
        return self._backend.timestamp(received_at + timedelta(seconds=event.lease_seconds))

    async def _submit(self, job: _Job) -> Any:
        if self._closing or self._task.done():
            raise StoreUnavailable("The event writer is closed.")
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._waiting.append((job, future))
        self._wakeup.set()
        return await future

    async def _run(self) -> None:
        try:
            while self._waiting or not self._closing:
                if not self._waiting:
                    self._wakeup.clear()
                    await self._wakeup.wait()
                    continue
                batch = self._waiting[:MAX_BATCH]
                del self._waiting[:MAX_BATCH]
                await self._commit(batch)
        finally:
            _fail(self._waiting, StoreUnavailable("The event writer stopped."))
            self._waiting.clear()

    async def _commit(self, batch: list[_Waiting]) -> None:
        """Write one batch; if one row spoils it, write the rows one by one."""
        try:
            results = await self._write([job for job, _ in batch])
        except WriteRejected as exc:
            if len(batch) == 1:
                _fail(batch, exc)
                return
            log.warning("A batch of %d rows failed (%s); writing them one by one", len(batch), exc)
            for waiting in batch:
                await self._commit([waiting])
        except StoreError as exc:
            _fail(batch, exc)
        except Exception as exc:
            log.exception("The event writer failed")
            _fail(batch, StoreUnavailable(f"The event writer failed: {exc!r}"))
        except BaseException:  # cancelled (the loop is shutting down): answer, then stop
            _fail(batch, StoreUnavailable("The event writer stopped."))
            raise
        else:
            self.transactions += 1
            for (_, future), result in zip(batch, results, strict=True):
                if not future.done():
                    future.set_result(result)

    async def _write(self, jobs: list[_Job]) -> list[PriorEvent | None]:
        """The result of each job, in order: the prior event of events, None for outcomes."""
        events = [job for job in jobs if isinstance(job, backends.EventRow)]
        outcomes = [job for job in jobs if isinstance(job, backends.OutcomeRow)]
        priors = iter(await self._backend.write(events, outcomes))
        return [
            _prior(next(priors)) if isinstance(job, backends.EventRow) else None for job in jobs
        ]


def _prior(row: backends.PriorRow | None) -> PriorEvent | None:
    if row is None:
        return None
    event_id, hash_, status, answer_status, answer_body = row
    answer = None if answer_body is None else msgspec.json.decode(answer_body)
    return PriorEvent(event_id, hash_, status, answer_status, answer)


def _fail(batch: Sequence[_Waiting], error: StoreError) -> None:
    """Fail each waiting caller with its own copy of the error (tracebacks stay apart)."""
    for _, future in batch:
        if not future.done():
            copy = type(error)(*error.args)
            copy.__cause__ = error.__cause__
            future.set_exception(copy)


def _attempt_row(event_id: str, attempt: NewAttempt, timestamp: Any) -> tuple[Any, ...]:
    try:
        return (
            new_id(),
            event_id,
            attempt.action_index,
            _text(attempt.action_name),
            attempt.attempt_no,
            timestamp(attempt.started_at),
            attempt.duration_ms,
            attempt.outcome,
            _json_or_none(attempt.request),
            attempt.response_status,
            _json(attempt.response_headers),
            _text(attempt.response_body) if attempt.response_body is not None else None,
            _text(attempt.error) if attempt.error is not None else None,
        )
    except (TypeError, ValueError, msgspec.EncodeError) as exc:
        raise WriteRejected(f"The attempt cannot be stored as JSON: {exc}") from exc


def contact_email(payload: dict[str, Any]) -> str | None:
    """The email the deliveries log searches by: ``body.contact.email``, else ``query.email``.

    Lower-cased (an exact, indexed match then finds it however it was typed) and cut to 255
    characters; None when the payload has no email as text.
    """
    for part, path in (("body", ("contact", "email")), ("query", ("email",))):
        found: Any = payload.get(part)
        for key in path:
            found = found.get(key) if isinstance(found, dict) else None
        if isinstance(found, str) and found.strip():
            return _text(found.strip().lower()[:KEY_MAX_LENGTH])
    return None


def _uuid(value: str) -> str:
    """The canonical form the store keeps ids in (SQLite compares them as text)."""
    try:
        return str(uuid.UUID(value))
    except (ValueError, TypeError, AttributeError) as exc:
        raise WriteRejected(f"{value!r} is not an id") from exc


def _bounded_key(key: str | None) -> str | None:
    if key is None or len(key) <= KEY_MAX_LENGTH:
        return _text(key) if key is not None else None
    return "sha256:" + hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


# A JSON \u0000 escape that is not itself escaped (preceded by an even run of backslashes).
_JSON_NUL = re.compile(r"(?<!\\)((?:\\\\)*)\\u0000")


def _json(value: Any) -> str:
    """JSON text the database can hold: PostgreSQL refuses NUL characters, so they become
    U+FFFD on both databases (the raw body keeps the exact bytes)."""
    text = msgspec.json.encode(value).decode()
    if "\\u0000" in text:
        text = _JSON_NUL.sub(r"\1\\ufffd", text)
    return text


def _json_or_none(value: Any) -> str | None:
    return None if value is None else _json(value)


def _text(value: str) -> str:
    return value.replace("\0", "\ufffd") if "\0" in value else value
