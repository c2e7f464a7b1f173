"""Counts and dates over events, for the endpoint list: aggregate queries, never row loops.

Each function is one grouped query whatever the number of events, so the list stays fast with
many thousands stored (the ``(endpoint_id, received_at)`` index serves both).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tortoise.functions import Count, Max

from server.store.models import Event

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
