"""Rows for the operations tests, written straight through the models.

Events are created with the status and reception time a test needs (an event "received 40
days ago and delivered"), which the listener cannot be asked to produce.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from prometheus_client.parser import text_string_to_metric_families
from support.events import stored_event

from server.store.models import Attempt, Event
from server.store.queries import save_endpoint


async def new_endpoint(key: str = "shop") -> str:
    """An endpoint to hang events on; its id."""
    endpoint, _ = await save_endpoint(key, key.title(), {"switchboard": 1}, enabled=True)
    return str(endpoint.id)


async def insert_event(endpoint_id: str, status: str, age: timedelta = timedelta()) -> str:
    """An event received ``age`` ago, now in ``status``, with one attempt; its id."""
    received_at = datetime.now(UTC) - age
    event = await stored_event(endpoint_id, status, received_at)
    await Attempt.create(
        event_id=event.id,
        action_index=0,
        action_name="create contact",
        attempt_no=1,
        started_at=received_at,
        duration_ms=12.5,
        outcome="success" if status == "delivered" else "failed",
    )
    return str(event.id)


async def event_ids() -> set[str]:
    return {str(key) for key in await Event.all().values_list("id", flat=True)}


async def attempt_event_ids() -> set[str]:
    return {str(key) for key in await Attempt.all().values_list("event_id", flat=True)}


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of a Prometheus text exposition by (name, sorted labels)."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }
