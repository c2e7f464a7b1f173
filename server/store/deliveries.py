"""The deliveries log: events newest first, filtered, searched and paged by keyset.

Pages are keyset pages on ``(received_at, id)``: a page after (or before) a given event
reads only the rows it shows, however many thousand events come first, and an event that
arrives while someone pages does not shift the pages. The ``(received_at, id)`` index serves
the log of all endpoints, ``(endpoint_id, received_at)`` the log of one; searches use the
``contact_email`` and ``transactionid`` indexes.

SQLite keeps timestamps as text, and a timestamp written by tortoise leaves out a zero
microsecond part that the event writer always writes: the keyset conditions therefore never
compare timestamps for equality, only with ``<`` and ``>=`` against the cursor's time and the
microsecond after it, which orders both spellings correctly.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from tortoise.expressions import Q
from tortoise.queryset import QuerySet

from server.store.models import KEY_MAX_LENGTH, Event
from server.store.queries import WAITING_STATUSES

PAGE_SIZE = 50
# The status filter's value for every event still to be delivered (received or pending).
WAITING = "waiting"
# What the status filter offers, in order: each status an event can have, then WAITING.
STATUSES = ("delivered", "failed", "duplicate", "received", "pending", WAITING)
# Filter values that match several statuses.
STATUS_GROUPS = {WAITING: WAITING_STATUSES}
# Time ranges by name; "all" has no start.
PERIODS = ("hour", "today", "week", "all")
# Columns the log shows: never the raw body or the payload, which can be megabytes.
SUMMARY_COLUMNS = (
    "id",
    "endpoint_id",
    "received_at",
    "status",
    "answer_status",
    "transactionid",
    "contact_email",
    "flags",
    "next_attempt_at",  # a pending event's next try
)
_MICROSECOND = timedelta(microseconds=1)

Direction = Literal["older", "newer"]


@dataclass(frozen=True, slots=True)
class DeliveryFilter:
    """Which events the log shows. Empty ``status``/``search`` and "all" mean no restriction."""

    endpoint_id: str | None = None
    status: str = ""
    period: str = "all"
    search: str = ""
    # Received at or after ``since`` and before ``until`` (aware; None: no limit), besides
    # ``period``. SQLite compares timestamps as text: the conditions turn them to UTC first.
    since: datetime | None = None
    until: datetime | None = None


@dataclass(frozen=True, slots=True)
class DeliveryPage:
    """One page of events, newest first, and whether there are more on either side."""

    events: list[Event]
    has_older: bool
    has_newer: bool

    @property
    def oldest_id(self) -> str | None:
        return str(self.events[-1].id) if self.events else None

    @property
    def newest_id(self) -> str | None:
        return str(self.events[0].id) if self.events else None


async def delivery_page(
    chosen: DeliveryFilter,
    *,
    after: str | None = None,
    before: str | None = None,
    size: int = PAGE_SIZE,
    now: datetime | None = None,
) -> DeliveryPage:
    """The page of events older than event ``after``, newer than event ``before``, or newest.

    A cursor that names no event (deleted, or not an id) gives the newest page.
    """
    base = _filtered(chosen, now or datetime.now(UTC))
    if before is not None:
        anchor = await _anchor(before)
        if anchor is not None:
            return await _newer_page(base, anchor, size)
    anchor = await _anchor(after) if after is not None else None
    query = base if anchor is None else base.filter(_beyond(anchor, "older"))
    rows = await _ordered(query, "older").limit(size + 1)
    return DeliveryPage(rows[:size], has_older=len(rows) > size, has_newer=anchor is not None)


def period_start(period: str, now: datetime) -> datetime | None:
    """Where the named time range starts (None for "all" and unknown names)."""
    if period == "hour":
        return now - timedelta(hours=1)
    if period == "today":
        return now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    if period == "week":
        return now - timedelta(days=7)
    return None


async def _newer_page(base: QuerySet[Event], anchor: Event, size: int) -> DeliveryPage:
    rows = await _ordered(base.filter(_beyond(anchor, "newer")), "newer").limit(size + 1)
    shown = list(reversed(rows[:size]))
    return DeliveryPage(shown, has_older=True, has_newer=len(rows) > size)


def _filtered(chosen: DeliveryFilter, now: datetime) -> QuerySet[Event]:
    query = Event.all()
    if chosen.endpoint_id is not None:
        query = query.filter(endpoint_id=chosen.endpoint_id)
    if chosen.status in STATUS_GROUPS:
        query = query.filter(status__in=STATUS_GROUPS[chosen.status])
    elif chosen.status in STATUSES:
        query = query.filter(status=chosen.status)
    start = period_start(chosen.period, now)
    if start is not None:
        query = query.filter(received_at__gte=start)
    if chosen.since is not None:
        query = query.filter(received_at__gte=chosen.since.astimezone(UTC))
    if chosen.until is not None:
        query = query.filter(received_at__lt=chosen.until.astimezone(UTC))
    search = chosen.search.strip()[:KEY_MAX_LENGTH]
    if search:
        query = query.filter(Q(contact_email=search.lower()) | Q(transactionid=search))
    return query


def _ordered(query: QuerySet[Event], direction: Direction) -> QuerySet[Event]:
    order = ("-received_at", "-id") if direction == "older" else ("received_at", "id")
    return query.order_by(*order).only(*SUMMARY_COLUMNS)


def _beyond(anchor: Event, direction: Direction) -> Q:
    """Events after ``anchor`` in ``direction``, in ``(received_at, id)`` order."""
    moment, following = anchor.received_at, anchor.received_at + _MICROSECOND
    same_moment = Q(received_at__gte=moment, received_at__lt=following)
    if direction == "older":
        return Q(received_at__lt=moment) | (same_moment & Q(id__lt=anchor.id))
    return Q(received_at__gte=following) | (same_moment & Q(id__gt=anchor.id))


async def _anchor(event_id: str) -> Event | None:
    """The event a cursor names (its id and time only), or None."""
    try:
        key = uuid.UUID(event_id)
    except ValueError:
        return None
    return await Event.filter(id=key).only("id", "received_at").first()


# The most events one bulk replay takes; a larger set is replayed oldest first up to here.
REPLAY_CAP = 10_000


@dataclass(frozen=True, slots=True)
class MatchingEvents:
    """The ids of the events a filter matches, oldest first and capped, and how many match."""

    ids: list[str]
    total: int

    @property
    def capped(self) -> bool:
        """Whether more events match than ``ids`` holds."""
        return self.total > len(self.ids)


async def count_matching_events(chosen: DeliveryFilter, *, now: datetime | None = None) -> int:
    """How many events ``chosen`` matches among those received by ``now``."""
    moment = now or datetime.now(UTC)
    return await _received_by(_filtered(chosen, moment), moment).count()


async def matching_event_ids(
    chosen: DeliveryFilter, *, cap: int = REPLAY_CAP, now: datetime | None = None
) -> MatchingEvents:
    """The events ``chosen`` matches, oldest first: at most ``cap`` ids, and the full count.

    Only events received by ``now`` count, and periods ("today") are measured from it: the set
    a person confirmed at ``now`` does not grow with events that arrive while they read.
    """
    moment = now or datetime.now(UTC)
    query = _received_by(_filtered(chosen, moment), moment)
    total = await query.count()
    rows = await query.order_by("received_at", "id").limit(cap).values_list("id", flat=True)
    ids = [str(row) for row in rows]
    return MatchingEvents(ids, max(total, len(ids)))


def _received_by(query: QuerySet[Event], moment: datetime) -> QuerySet[Event]:
    # "< the microsecond after", never "<=": see the module docstring on SQLite timestamps.
    return query.filter(received_at__lt=moment + _MICROSECOND)
