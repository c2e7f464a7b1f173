"""Counts and dates over events, for the endpoint list, the deliveries log and /metrics:
aggregate queries, never row loops.

Each function is one grouped query whatever the number of events, so the pages stay fast with
many thousands stored: the ``(endpoint_id, received_at)`` index serves today's activity, the
``(status, received_at, id)`` index the delivery queue.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise.expressions import Q
from tortoise.functions import Count, Max, Min
from tortoise.queryset import QuerySet

from server.store.models import Event
from server.store.queries import WAITING_STATUSES

# Event statuses counted as a success and as a failure; "received" (still running) and
# "duplicate" (a retry answered from the earlier event) are neither.
SUCCESS = "delivered"
FAILURE = "failed"


@dataclass(frozen=True, slots=True)
class EndpointActivity:
    """What the endpoint list shows about one endpoint's events."""

    last_event_at: datetime | None = None
    succeeded: int = 0
    failed: int = 0


async def activity_by_endpoint(since: datetime) -> dict[str, EndpointActivity]:
    """Each endpoint's latest event time and its successes and failures since ``since``.

    Keyed by endpoint id (text); endpoints without any event are absent.
    """
    latest = await _latest_event_times()
    counts = await _outcome_counts(since)
    return {
        endpoint_id: EndpointActivity(
            last_event_at=latest.get(endpoint_id),
            succeeded=counts.get((endpoint_id, SUCCESS), 0),
            failed=counts.get((endpoint_id, FAILURE), 0),
        )
        for endpoint_id in latest.keys() | {key[0] for key in counts}
    }


def start_of_today() -> datetime:
    """Midnight UTC today: where "today's" counts start."""
    return datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


async def _latest_event_times() -> dict[str, datetime]:
    rows = (
        await Event.annotate(last=Max("received_at"))
        .group_by("endpoint_id")
        .values("endpoint_id", "last")
    )
    return {str(row["endpoint_id"]): _as_datetime(row["last"]) for row in rows}


async def _outcome_counts(since: datetime) -> dict[tuple[str, str], int]:
    rows = (
        await Event.filter(received_at__gte=since, status__in=(SUCCESS, FAILURE))
        .annotate(count=Count("id"))
        .group_by("endpoint_id", "status")
        .values("endpoint_id", "status", "count")
    )
    return {(str(row["endpoint_id"]), str(row["status"])): int(row["count"]) for row in rows}


def _as_datetime(value: Any) -> datetime:
    """An aggregated timestamp: PostgreSQL gives a datetime, SQLite the stored text (UTC)."""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    if not isinstance(moment, datetime):
        raise TypeError(f"not a timestamp: {value!r}")
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


# ---------------------------------------------------------------- the delivery queue

# The aggregates :func:`_waiting` annotates, one per figure of QueueDepth.
_QUEUE_FIGURES = ("waiting", "due", "oldest", "next_retry")


@dataclass(frozen=True, slots=True)
class QueueDepth:
    """The events of one endpoint (or of all) still waiting to be delivered.

    ``waiting`` counts events ``received`` (being delivered, or not tried yet) or ``pending`` (a
    retry is scheduled); ``due`` those whose time has come (also those being delivered at this
    moment); ``next_retry_at`` is the soonest retry still to come.
    """

    waiting: int = 0
    due: int = 0
    oldest_received_at: datetime | None = None
    next_retry_at: datetime | None = None


async def queue_depth(endpoint_id: str | None = None, now: datetime | None = None) -> QueueDepth:
    """The queue of every endpoint together, or of one: one aggregate query.

    /metrics reads its backlog gauges from here too.
    """
    query = _waiting(now or datetime.now(UTC))
    if endpoint_id is not None:
        query = query.filter(endpoint_id=endpoint_id)
    [row] = await query.values(*_QUEUE_FIGURES)
    return _queue_depth(row)


async def queue_by_endpoint(now: datetime | None = None) -> dict[str, QueueDepth]:
    """Each endpoint's queue, keyed by endpoint id (text), in one grouped query.

    Endpoints with nothing waiting are absent.
    """
    rows = (
        await _waiting(now or datetime.now(UTC))
        .group_by("endpoint_id")
        .values("endpoint_id", *_QUEUE_FIGURES)
    )
    return {str(row["endpoint_id"]): _queue_depth(row) for row in rows}


def _waiting(now: datetime) -> QuerySet[Event]:
    """The waiting events with the figures of :class:`QueueDepth` as aggregates.

    The ``(status, received_at, id)`` index finds the waiting events; timestamps are compared
    with ``<`` and ``>=`` against the microsecond after ``now``, never for equality (SQLite keeps
    them as text, see :mod:`server.store.deliveries`).
    """
    following = now + timedelta(microseconds=1)
    return Event.filter(status__in=WAITING_STATUSES).annotate(
        waiting=Count("id"),
        due=Count("id", _filter=Q(next_attempt_at__lt=following)),
        oldest=Min("received_at"),
        next_retry=Min(
            "next_attempt_at", _filter=Q(status="pending", next_attempt_at__gte=following)
        ),
    )


def _queue_depth(row: dict[str, Any]) -> QueueDepth:
    return QueueDepth(
        waiting=int(row["waiting"] or 0),
        due=int(row["due"] or 0),
        oldest_received_at=None if row["oldest"] is None else _as_datetime(row["oldest"]),
        next_retry_at=None if row["next_retry"] is None else _as_datetime(row["next_retry"]),
    )
