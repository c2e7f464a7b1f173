"""The sample an endpoint's mapping is built from: a pinned one, or else the latest event.

A person can pin a sample instead of waiting for the platform: a body (or GET query string)
pasted into the page, or one of the endpoint's recent events. The pin is kept whole in
``Endpoint.sample`` (see :class:`PinnedSample`), so it outlives the event it came from.
A pasted body goes through the listener's own normaliser with the listener's limits, so the
sample reads exactly as the platform's request would; nothing is delivered and no event is
recorded. GET samples carry warnings when they look damaged by a sender that did not
URL-encode its values (:mod:`server.mapping.get_warnings`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final, Literal

import msgspec

from server.mapping.errors import PayloadError
from server.mapping.get_warnings import corrupted_get_warnings
from server.mapping.payload import Limits, normalise
from server.store import queries
from server.store.models import Endpoint, Event

log = logging.getLogger(__name__)

LATEST_EVENT: Final = "latest event"
PASTED: Final = "pasted"
PICKED_EVENT: Final = "event"
# A pin lives in the endpoint's row, which the listener reads every few seconds: its JSON
# (raw body and payload, each about the size of the body) is kept under this size.
MAX_PINNED_BYTES = 2 * 1024 * 1024
MAX_PASTED_BYTES = MAX_PINNED_BYTES // 2
PASTE_TOO_LARGE = "That is too much to keep as a sample: paste at most 1 MB."
EVENT_TOO_LARGE = (
    "This event is too large to keep as the sample (a sample holds at most 1 MB). "
    "While it is the latest event, it is shown and used as it is."
)
EVENT_GONE = "That event is not there any more: pick another one."

Method = Literal["POST", "GET"]


@dataclass(frozen=True, slots=True)
class Sample:
    """What the mapping builder builds from: a payload, and where it came from."""

    payload: dict[str, Any]
    source: str  # "latest event" | "pasted" | "event"
    received_at: datetime | None  # when the platform sent it; None for a pasted sample
    event_id: str | None
    method: str
    query_string: str
    warnings: list[str]  # GET samples that look damaged in transit, in plain words
    pinned_at: datetime | None = None  # when a person pinned it; None for the latest event


class PinnedSample(msgspec.Struct, kw_only=True):
    """``Endpoint.sample`` as stored (JSON; ``None`` in the column: nothing pinned)."""

    source: Literal["pasted", "event"]
    event_id: str | None
    method: str
    content_type: str
    query_string: str
    raw_body: str
    payload: dict[str, Any]
    pinned_at: datetime
    received_at: datetime | None = None


class SampleError(Exception):
    """A sample cannot be pinned; the message says why and what to do, for the person."""


async def current_sample(endpoint: Endpoint) -> Sample | None:
    """The pinned sample if any, else the endpoint's latest event, else None."""
    pinned = pinned_sample(endpoint)
    if pinned is not None:
        return _sample_of_pin(pinned)
    event = await latest_event(endpoint)
    return None if event is None else _sample_of_event(event)


def pinned_sample(endpoint: Endpoint) -> PinnedSample | None:
    """The endpoint's pin as stored, or None (also when the stored JSON cannot be read)."""
    if endpoint.sample is None:
        return None
    try:
        return msgspec.convert(endpoint.sample, PinnedSample)
    except msgspec.ValidationError as error:
        log.warning("Ignoring the unreadable sample of endpoint %s: %s", endpoint.key, error)
        return None


async def latest_event(endpoint: Endpoint) -> Event | None:
    """The endpoint's newest event with its payload, or None when nothing arrived yet."""
    latest = await queries.recent_events(str(endpoint.id), limit=1)
    if not latest:
        return None
    return await queries.event_of_endpoint(str(endpoint.id), str(latest[0].id))


async def pin_pasted(
    endpoint: Endpoint, *, method: Method, content_type: str, text: str, limits: Limits
) -> PinnedSample:
    """Normalise what a person pasted as the listener would and pin it (raises SampleError)."""
    pinned = pasted_sample(
        method=method,
        content_type=content_type,
        text=text,
        limits=limits,
        php_names=php_names_of(endpoint),
    )
    await _pin(endpoint, pinned, PASTE_TOO_LARGE)
    return pinned


async def pin_event(endpoint: Endpoint, event_id: str) -> PinnedSample:
    """Pin a copy of one of the endpoint's events (raises SampleError)."""
    event = await queries.event_of_endpoint(str(endpoint.id), event_id)
    if event is None:
        raise SampleError(EVENT_GONE)
    pinned = PinnedSample(
        source=PICKED_EVENT,
        event_id=str(event.id),
        method=event.method,
        content_type=event.content_type,
        query_string=event.query_string,
        raw_body=bytes(event.raw_body).decode("utf-8", "replace"),
        payload=event.payload,
        pinned_at=datetime.now(UTC),
        received_at=event.received_at,
    )
    await _pin(endpoint, pinned, EVENT_TOO_LARGE)
    return pinned


async def unpin(endpoint: Endpoint) -> None:
    """Back to the latest event."""
    await queries.save_endpoint_sample(str(endpoint.id), None)
    endpoint.sample = None


def pasted_sample(
    *, method: Method, content_type: str, text: str, limits: Limits, php_names: bool
) -> PinnedSample:
    """A pasted body (or, for GET, query string) as a pin, read by the listener's normaliser."""
    # Lone surrogates (which no database can store) become U+FFFD, as undecodable bytes do.
    text = text.encode("utf-8", "surrogatepass").decode("utf-8", "replace").strip()
    if not text:
        raise SampleError(_nothing_pasted(method))
    if len(text.encode()) > MAX_PASTED_BYTES:
        raise SampleError(PASTE_TOO_LARGE)
    query_string = _query_string_of(text) if method == "GET" else ""
    body = "" if method == "GET" else text
    try:
        payload = normalise(
            method=method,
            content_type=content_type if method == "POST" else None,
            query_string=query_string,
            body=body.encode(),
            limits=limits,
            php_names=php_names,
        )
    except PayloadError as error:
        raise SampleError(error.detail) from None
    if method == "GET" and not payload.query:
        raise SampleError(_nothing_pasted(method))
    return PinnedSample(
        source=PASTED,
        event_id=None,
        method=method,
        content_type=content_type if method == "POST" else "",
        query_string=query_string,
        raw_body=body,
        payload=payload.as_json(),
        pinned_at=datetime.now(UTC),
    )


def php_names_of(endpoint: Endpoint) -> bool:
    """Whether the endpoint reads names as PHP would (its document's ``php_names``)."""
    settings = endpoint.document.get("endpoint") if isinstance(endpoint.document, dict) else None
    return isinstance(settings, dict) and settings.get("php_names") is True


async def _pin(endpoint: Endpoint, pinned: PinnedSample, too_large: str) -> None:
    stored = msgspec.to_builtins(pinned)
    if len(msgspec.json.encode(stored)) > MAX_PINNED_BYTES:
        raise SampleError(too_large)
    if not await queries.save_endpoint_sample(str(endpoint.id), stored):
        raise SampleError("This endpoint has just been deleted: nothing was kept.")
    endpoint.sample = stored


def _nothing_pasted(method: str) -> str:
    if method == "GET":
        return "Paste the query string your platform sends, for example email=jane%40example.com."
    return "Paste the body your platform sends, for example contact[email]=jane%40example.com."


def _query_string_of(text: str) -> str:
    """The query string of a pasted GET: the text itself, or the part of a URL after ``?``."""
    if "://" in text.partition("?")[0] or text.startswith("/"):
        text = text.partition("?")[2].partition("#")[0]
    return text.removeprefix("?")


def _sample_of_pin(pinned: PinnedSample) -> Sample:
    return Sample(
        payload=pinned.payload,
        source=pinned.source,
        received_at=pinned.received_at,
        event_id=pinned.event_id,
        method=pinned.method,
        query_string=pinned.query_string,
        warnings=_warnings(pinned.method, pinned.query_string),
        pinned_at=pinned.pinned_at,
    )


def _sample_of_event(event: Event) -> Sample:
    return Sample(
        payload=event.payload,
        source=LATEST_EVENT,
        received_at=event.received_at,
        event_id=str(event.id),
        method=event.method,
        query_string=event.query_string,
        warnings=_warnings(event.method, event.query_string),
    )


def _warnings(method: str, query_string: str) -> list[str]:
    return corrupted_get_warnings(query_string) if method == "GET" else []
