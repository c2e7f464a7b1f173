"""The event's journey, in one place: normalise -> store -> apply -> send -> extract -> record.

The listener, replays and (later) background workers all run this same journey.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import logging
import os
import random
import socket
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import aiohttp

from server import metrics
from server.delivery.client import ClientSettings, create_client_session
from server.delivery.retries import next_delay, retry_after, worth_retrying
from server.delivery.send import DeliveryResult, send
from server.delivery.throttle import TargetThrottle, Throttled
from server.endpoints import EndpointCache, LiveEndpoint
from server.logs import log_context
from server.mapping.apply import ResponseError, build_request, event_context, extract_keys
from server.mapping.compile import CompiledAction, CompiledEndpoint
from server.mapping.credentials import apply_credential
from server.mapping.errors import MappingError, PayloadError
from server.mapping.paths import MISSING
from server.mapping.payload import Payload, normalise
from server.mapping.spec import DEFAULT_TIMEOUT, Limits
from server.settings import Settings
from server.store import queries
from server.store.errors import StoreError
from server.store.queue import extend_lease, take_lease
from server.store.writer import EventWriter, NewAttempt, NewEvent, PriorEvent

log = logging.getLogger(__name__)

T = TypeVar("T")

EVENT_HEADER = "X-Switchboard-Event"
DUPLICATE_HEADER = "X-Switchboard-Duplicate-Of"


@dataclass(frozen=True, slots=True)
class Inbound:
    """One request to a listener, as received."""

    token: str
    method: str
    content_type: str | None
    query_string: bytes
    body: bytes


@dataclass(frozen=True, slots=True)
class Answer:
    """What the listener answers the platform."""

    status: int
    body: dict[str, Any]
    event_id: str | None = None
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def error(cls, status: int, code: str, detail: str, **extra: Any) -> Answer:
        return cls(status, {"error": code, "detail": detail, **extra})


class ReplayError(Exception):
    """An event cannot be replayed; the message says why, for the person who asked."""


@dataclass(slots=True)
class Outcome:
    """The result of running an endpoint's actions for one event."""

    status: str
    answer_status: int
    answer_body: dict[str, Any]
    attempts: list[NewAttempt]
    # A failure that may succeed later (no answer, 429, 5xx), and the wait the target asked for.
    retryable: bool = False
    retry_after: float | None = None
    # Not sent because a target's limits were reached: try again in this many seconds (not
    # counted as a try).
    deferred_for: float | None = None


class Pipeline:
    """Runs events through their endpoint's mapping; one per process."""

    def __init__(
        self,
        settings: Settings,
        writer: EventWriter,
        session: aiohttp.ClientSession,
        endpoints: EndpointCache,
    ) -> None:
        self.settings = settings
        self.writer = writer
        self.session = session
        self.endpoints = endpoints
        # Who holds the leases this process takes on queued events.
        self.owner = f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.throttle = TargetThrottle(settings.limit_wait_seconds)
        self._background: set[asyncio.Task[Any]] = set()

    async def receive(self, inbound: Inbound) -> Answer:
        """Handle one listener request from start to answer."""
        try:
            live = await self.endpoints.by_token(inbound.token)
        except StoreError as error:
            return _storage_unavailable(error)
        if live is None or not live.enabled:
            return Answer.error(
                404, "unknown_endpoint", "No active endpoint has this listener URL."
            )
        if inbound.method not in live.compiled.methods:
            allowed = ", ".join(sorted(live.compiled.methods))
            return Answer(
                405,
                {"error": "method_not_allowed", "detail": f"This endpoint accepts {allowed}."},
                headers={"Allow": allowed},
            )
        try:
            payload = normalise(
                method=inbound.method,
                content_type=inbound.content_type,
                query_string=inbound.query_string,
                body=inbound.body,
                limits=self.settings.limits,
                php_names=live.compiled.document.endpoint.php_names,
            )
        except PayloadError as error:
            return Answer(error.status, error.as_json())
        try:
            return await self._store_and_deliver(live, inbound, payload)
        except StoreError as error:
            return _storage_unavailable(error)

    async def _store_and_deliver(
        self, live: LiveEndpoint, inbound: Inbound, payload: Payload
    ) -> Answer:
        event = new_event(live, inbound, payload, self.owner, self.lease_seconds(live.compiled))
        stored = await self.writer.record_event(event)
        metrics.event_received(live.compiled.key)
        prior = stored.prior
        flags: list[str] | None = None
        if prior is not None and prior.payload_hash != event.payload_hash:
            flags = [*event.flags, "transactionid_reused"]
        if prior is not None and prior.status != "failed":
            metrics.delivery_finished(live.compiled.key, "duplicate")
            return await self._answer_repeat(stored.id, prior, flags)
        task = self._in_background(
            self._deliver_and_record(stored.id, live.compiled, event.payload, 0, flags)
        )
        settings = live.compiled.document.endpoint
        if settings.response == "sync":
            done, _ = await asyncio.wait({task}, timeout=settings.deadline)
            if done:
                outcome = task.result()
                return Answer(outcome.answer_status, outcome.answer_body, stored.id)
            detail = (
                f"The target did not answer within {settings.deadline:g} s; the delivery goes "
                "on in the background (see the event in Deliveries)."
            )
            return Answer(
                202, {"status": "accepted", "event": stored.id, "detail": detail}, stored.id
            )
        return Answer(202, {"status": "accepted", "event": stored.id}, stored.id)

    async def _deliver_and_record(
        self,
        event_id: str,
        endpoint: CompiledEndpoint,
        payload: Mapping[str, Any],
        tries_before: int,
        flags: list[str] | None = None,
        round_no: int = 1,
        retry: bool = True,
    ) -> Outcome:
        """Deliver, then store the outcome: final, or ``pending`` with the next try's time.

        ``retry`` False (a replay) makes a failure final at once; a delivery held back by a
        target's limits is put back in the queue all the same.
        """
        with log_context(event_id=event_id, endpoint=endpoint.key):
            outcome = await self.deliver(endpoint, payload)
            if round_no != 1:
                outcome.attempts = [replace(a, attempt_no=round_no) for a in outcome.attempts]
            retry_at = None
            if retry or outcome.deferred_for is not None:
                retry_at = _retry_at(endpoint, outcome, tries_before, self.settings.retry_schedule)
            if retry_at is not None:
                outcome.answer_body = {**outcome.answer_body, "retry_at": retry_at.isoformat()}
                log.info("delivery held back or failed; next try at %s", retry_at.isoformat())
            record = functools.partial(
                self.writer.record_outcome,
                event_id,
                status="pending" if retry_at is not None else outcome.status,
                answer_status=outcome.answer_status,
                answer_body=outcome.answer_body,
                attempts=outcome.attempts,
                flags=flags or None,
                retry_at=retry_at,
                delivered_once_more=outcome.deferred_for is None,
            )
            try:
                await record()
            except StoreError as error:
                # Delivered (or tried), but the database went away before the outcome was
                # written: the platform still gets the answer, and the outcome is written as
                # soon as the database is back, before the event's lease runs out.
                log.warning("the outcome could not be stored yet (%s); retrying", error)
                self._in_background(self._record_later(record, self.lease_seconds(endpoint)))
        if outcome.deferred_for is None and retry_at is not None:
            _count(endpoint, outcome, "retry_scheduled")
        else:
            _count(endpoint, outcome, outcome.status)
        return outcome

    async def _record_later(
        self, record: Callable[[], Awaitable[None]], within_seconds: float
    ) -> None:
        deadline = time.monotonic() + within_seconds
        pause = 0.5
        while True:
            await asyncio.sleep(pause)
            try:
                await record()
                return
            except StoreError as error:
                if time.monotonic() + pause > deadline:
                    log.error("the outcome was not stored (%s): the event will be retried", error)
                    return
                pause = min(pause * 2, 10.0)

    def _in_background(self, work: Coroutine[Any, Any, T]) -> asyncio.Task[T]:
        """Run ``work`` as a task the pipeline waits for at shutdown (see :meth:`drain`)."""
        task = asyncio.create_task(work)
        self._background.add(task)
        task.add_done_callback(self._background.discard)
        return task

    async def deliver_queued(self, event_id: str) -> Outcome | None:
        """Deliver an event this process leased from the queue (a retry, or a recovery)."""
        found = await queries.event_with_attempts(event_id)
        if found is None:
            return None
        event, earlier = found
        if event.status not in ("received", "pending") or event.lease_owner != self.owner:
            return None
        live = await self.endpoints.by_endpoint_id(str(event.endpoint_id))
        if live is None or not live.enabled:
            reason = "The event's endpoint is deleted or switched off: it was not delivered."
            await self.writer.record_outcome(
                event_id,
                status="failed",
                answer_status=404,
                answer_body={"error": "unknown_endpoint", "detail": reason},
                attempts=[],
                delivered_once_more=False,
            )
            return None
        needed = self.lease_seconds(live.compiled)
        if needed > self.queue_lease_seconds:  # the worker's lease is too short for it
            await extend_lease(event_id, self.owner, needed)
        round_no = max((attempt.attempt_no for attempt in earlier), default=0) + 1
        return await self._deliver_and_record(
            event_id, live.compiled, event.payload, event.tries or 0, round_no=round_no
        )

    async def _answer_repeat(
        self, event_id: str, prior: PriorEvent, flags: list[str] | None
    ) -> Answer:
        """A repeat of an event delivered or under way: answer with its result, send nothing.

        Whatever the repeat's body, a dedupe key that was delivered once is not delivered again
        (a different body is flagged ``transactionid_reused``). Only a repeat of an event that
        failed for good is delivered (by the caller): that is the platform trying again.
        """
        if prior.status == "pending":
            status, body = (
                202,
                {
                    "status": "accepted",
                    "event": prior.id,
                    "detail": "This event is already queued to be delivered again; nothing more "
                    "is needed.",
                },
            )
        elif prior.answer_status is None:
            status, body = (
                409,
                {
                    "error": "in_progress",
                    "detail": "An identical event is still being delivered; retry in a moment.",
                },
            )
        else:
            status, body = prior.answer_status, prior.answer_body or {}
        await self.writer.record_outcome(
            event_id,
            status="duplicate",
            answer_status=status,
            answer_body=body,
            attempts=[],
            duplicate_of=prior.id,
            flags=flags,
            delivered_once_more=False,
        )
        return Answer(status, body, event_id, {DUPLICATE_HEADER: prior.id})

    async def replay(self, event_id: str) -> Outcome:
        """Deliver a stored event again with its endpoint's current mapping.

        The new attempts are recorded beside the earlier ones (as the next round of
        ``attempt_no``), and the event's status and answer become the replay's.
        """
        found = await queries.event_with_attempts(event_id)
        if found is None:
            raise ReplayError("No event has this id: it may have been deleted.")
        event, earlier = found
        live = await self.endpoints.by_endpoint_id(str(event.endpoint_id))
        if live is None or not live.enabled:
            raise ReplayError("The event's endpoint is deleted or switched off: nothing was sent.")
        if not await take_lease(str(event.id), self.owner, self.lease_seconds(live.compiled)):
            raise ReplayError(
                "The event is being delivered right now: replay it once that is over."
            )
        round_no = max((attempt.attempt_no for attempt in earlier), default=0) + 1
        return await self._deliver_and_record(
            str(event.id), live.compiled, event.payload, 0, round_no=round_no, retry=False
        )

    def lease_seconds(self, endpoint: CompiledEndpoint) -> float:
        """How long this process holds an event it delivers: every action timing out (after
        waiting for its target's limits), plus the configured margin."""
        wait = self.settings.limit_wait_seconds
        actions = endpoint.actions
        return sum(a.timeout + (wait if a.limits else 0.0) for a in actions) + self._lease_margin

    @property
    def queue_lease_seconds(self) -> float:
        """How long the worker holds the events it takes: enough for one action with the
        default timeout; :meth:`deliver_queued` extends it for an endpoint that needs more."""
        return DEFAULT_TIMEOUT + self._lease_margin

    @property
    def _lease_margin(self) -> float:
        return self.settings.lease_seconds

    async def drain(self) -> None:
        """Wait for background deliveries (at shutdown)."""
        if self._background:
            await asyncio.gather(*self._background, return_exceptions=True)

    async def deliver(self, endpoint: CompiledEndpoint, payload: Mapping[str, Any]) -> Outcome:
        """Run every action of ``endpoint`` in order for one event's payload."""
        context = event_context(payload, {})
        keys: dict[str, Any] = context["keys"]
        attempts: list[NewAttempt] = []
        for action in endpoint.actions:
            if action.condition is not None and not action.condition(context):
                attempts.append(_skipped(action))
                continue
            try:
                attempt, read, failure = await self._run_action(action, context)
            except Throttled as throttled:
                return _held_back(action, throttled, attempts)
            attempts.append(attempt)
            if failure is not None:
                return _failed(failure, attempts)
            keys.update(read)
        return Outcome("delivered", 200, dict(keys), attempts)

    async def _run_action(
        self, action: CompiledAction, context: Mapping[str, Any]
    ) -> tuple[NewAttempt, dict[str, Any], Answer | None]:
        """Build, send and read one action; the attempt record, its keys, or the failure."""
        attempt = _AttemptRecorder(action, self.settings.max_stored_response_bytes)
        try:
            request = build_request(action, context)
            if action.credential is not None:
                credential = await self.endpoints.credential(action.credential)
                request = apply_credential(request, credential)
        except MappingError as error:
            return attempt.failed(str(error)), {}, _mapping_failure(action, error)
        attempt.request = request.redacted(self.settings.max_stored_response_bytes)
        limits = action.limits or NO_LIMITS
        async with self.throttle.slot(request.url, limits.per_second, limits.concurrency):
            result = await send(
                self.session, request, max_response_bytes=self.settings.max_response_bytes
            )
        attempt.result = result
        if not result.ok:
            return attempt.failed(result.error), {}, _target_failure(action, result)
        try:
            read = extract_keys(action, result.body)
        except ResponseError as error:
            failure = Answer.error(502, "unreadable_response", str(error), action=action.name)
            return attempt.failed(str(error)), {}, failure
        return attempt.finished("success"), read, None


def new_event(
    live: LiveEndpoint,
    inbound: Inbound,
    payload: Payload,
    owner: str | None = None,
    lease_seconds: float = 0.0,
) -> NewEvent:
    """The row that records an inbound request, leased by ``owner`` who delivers it next."""
    document = payload.as_json()
    context = event_context(document, {})
    transactionid = payload.body.get("transactionid")
    dedupe_key = None
    if live.compiled.dedupe is not None:
        found = live.compiled.dedupe.read(context)
        if found is not MISSING and found is not None and found != "":
            dedupe_key = str(found)[:200]
    return NewEvent(
        endpoint_id=live.id,
        method=inbound.method,
        content_type=inbound.content_type or "",
        query_string=inbound.query_string.decode("latin-1"),
        raw_body=inbound.body,
        payload=document,
        body_format=payload.body_format,
        transactionid=str(transactionid)[:200] if isinstance(transactionid, str | int) else None,
        dedupe_key=dedupe_key,
        payload_hash=_payload_hash(inbound),
        flags=["sniffed_json"] if payload.sniffed_json else [],
        lease_owner=owner,
        lease_seconds=lease_seconds,
    )


NO_LIMITS = Limits()


def _retry_at(
    endpoint: CompiledEndpoint, outcome: Outcome, tries_before: int, default: Sequence[float]
) -> datetime | None:
    """When to try a delivery again: held back by limits, or failed in a way worth retrying;
    None when it succeeded, cannot, or tried enough."""
    if outcome.deferred_for is not None:
        return datetime.now(UTC) + timedelta(seconds=outcome.deferred_for * random.uniform(1, 1.2))
    if outcome.status != "failed" or not outcome.retryable:
        return None
    schedule = endpoint.document.endpoint.retries
    delay = next_delay(default if schedule is None else schedule, tries_before, outcome.retry_after)
    return None if delay is None else datetime.now(UTC) + timedelta(seconds=delay)


def _count(endpoint: CompiledEndpoint, outcome: Outcome, result: str) -> None:
    """Count one finished delivery and its attempts for /metrics."""
    for attempt in outcome.attempts:
        metrics.attempt_finished(endpoint.key, attempt.outcome, attempt.duration_ms / 1000)
    metrics.delivery_finished(endpoint.key, result)


def _failed(failure: Answer, attempts: list[NewAttempt]) -> Outcome:
    """The outcome of a failed action; worth retrying when the target gave no usable answer."""
    status = failure.body.get("target_status")
    unanswered = failure.body.get("error") == "target_unreachable"
    retryable = unanswered or (isinstance(status, int) and worth_retrying(status))
    headers = attempts[-1].response_headers if attempts else {}
    wait = retry_after(headers) if retryable else None
    return Outcome("failed", failure.status, failure.body, attempts, retryable, wait)


def _held_back(action: CompiledAction, throttled: Throttled, attempts: list[NewAttempt]) -> Outcome:
    """The outcome of a delivery its target's limits held back: queued for later."""
    detail = (
        f"Action '{action.name}' was not sent yet: {throttled.reason} for "
        f"{throttled.origin}. The delivery is queued and goes out as soon as the limit allows."
    )
    body = {"status": "accepted", "detail": detail, "action": action.name}
    return Outcome("throttled", 202, body, attempts, deferred_for=throttled.wait)


def _payload_hash(inbound: Inbound) -> str:
    digest = hashlib.sha256()
    for part in (inbound.method.encode(), (inbound.content_type or "").encode()):
        digest.update(part + b"\0")
    digest.update(inbound.query_string + b"\0")
    digest.update(inbound.body)
    return digest.hexdigest()


class _AttemptRecorder:
    """Times one action and turns what happened into its attempt record."""

    def __init__(self, action: CompiledAction, stored_limit: int) -> None:
        self.action = action
        self.stored_limit = stored_limit
        self.started = datetime.now(UTC)
        self.clock = time.perf_counter()
        self.request: dict[str, Any] | None = None
        self.result: DeliveryResult | None = None

    def failed(self, error: str | None) -> NewAttempt:
        return self.finished("failed", error)

    def finished(self, outcome: str, error: str | None = None) -> NewAttempt:
        result = self.result
        return NewAttempt(
            action_index=self.action.index,
            action_name=self.action.name,
            attempt_no=1,
            started_at=self.started,
            duration_ms=round((time.perf_counter() - self.clock) * 1000, 3),
            outcome=outcome,
            request=self.request,
            response_status=None if result is None else result.status,
            response_headers={} if result is None else result.headers,
            response_body=None
            if result is None
            else result.body[: self.stored_limit].decode("utf-8", "replace"),
            error=error,
        )


def _skipped(action: CompiledAction) -> NewAttempt:
    return _AttemptRecorder(action, 0).finished("skipped")


def _storage_unavailable(error: StoreError) -> Answer:
    log.error("event not stored: %s", error)
    return Answer(
        503,
        {"error": "storage_unavailable", "detail": "The event could not be stored; retry."},
        headers={"Retry-After": "5"},
    )


def _mapping_failure(action: CompiledAction, error: MappingError) -> Answer:
    return Answer.error(
        422,
        "mapping_failed",
        f"Action '{action.name}' could not be built for this contact: {error}",
        action=action.name,
    )


def _target_failure(action: CompiledAction, result: DeliveryResult) -> Answer:
    if result.status is None:
        detail = f"Action '{action.name}': {result.error}"
        return Answer.error(502, "target_unreachable", detail, action=action.name)
    detail = f"Action '{action.name}': the target answered HTTP {result.status}."
    return Answer.error(
        502, "target_failed", detail, action=action.name, target_status=result.status
    )


@asynccontextmanager
async def running_pipeline(settings: Settings) -> AsyncIterator[Pipeline]:
    """A pipeline with its event writer and HTTP session, closed (after draining) on exit.

    Needs the database opened first (:func:`server.store.db.open_database`).
    """
    writer = await EventWriter.start(settings.effective_database_url)
    session = create_client_session(ClientSettings())
    pipeline = Pipeline(settings, writer, session, EndpointCache(settings.mapping_refresh_seconds))
    try:
        yield pipeline
    finally:
        await pipeline.drain()
        await session.close()
        await writer.close()
