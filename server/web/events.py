"""One event, whole: what arrived, what Switchboard sent for it, and what it answered.

Everything on this page came from the internet or from a target API: it is turned into text
here and escaped by the templates, never marked safe. Requests are shown as they were stored,
already redacted (:meth:`server.mapping.request.OutboundRequest.redacted`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from litestar import Controller, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Template

from server.pipeline import ReplayError
from server.store import queries
from server.store.models import Attempt, Endpoint, Event
from server.web.deliveries import STATUS_LABELS, tries_allowed
from server.web.lookups import pipeline_of
from server.web.pages import VARY
from server.web.payload_tree import payload_sections

# The raw body is shown up to this many bytes; the rest is left out, with a note.
RAW_BODY_SHOWN_BYTES = 64 * 1024
# Bodies up to this size that are JSON are shown indented.
PRETTY_JSON_MAX_CHARS = 256 * 1024

# Flags an event can carry, in plain words.
FLAG_EXPLANATIONS = {
    "sniffed_json": (
        "The body was not labelled as JSON, but it held a JSON object, so Switchboard read it "
        "as JSON."
    ),
    "transactionid_reused": (
        "An earlier event had the same transaction ID but different content. When the earlier "
        "one was delivered (or still being delivered), this one got its answer and nothing was "
        "sent again; when it had failed for good, this one was delivered."
    ),
}
STATUS_EXPLANATIONS = {
    "delivered": "Every action succeeded, and the platform got the answer below.",
    "failed": "An action failed, and the platform got the error below.",
    "duplicate": (
        "A repeat of an earlier event: nothing was sent again, and the platform got the "
        "earlier event's answer."
    ),
    "received": (
        "Received: its actions are still running, or the server stopped before they finished."
    ),
    "pending": (
        "Waiting: a try failed in a way that may pass later (the target could not be reached, "
        "was busy or failing), or the target's limits held it back. Switchboard tries again at "
        "the time below."
    ),
}
OUTCOME_LABELS = {"success": "Succeeded", "failed": "Failed", "skipped": "Skipped"}


@dataclass(frozen=True, slots=True)
class RawBody:
    """The raw body as text for display, and how much of it was left out."""

    text: str
    size: int
    omitted: int


class EventController(Controller):
    """The event page."""

    @get("/events/{event_id:str}", name="events:show")
    async def show_event(self, request: HTMXRequest, event_id: FromPath[str]) -> Template:
        """The event: what arrived, every attempt, and the answer."""
        found = await queries.event_with_attempts(event_id)
        if found is None:
            raise NotFoundException("No event has this id: it may have been deleted.")
        return await _event_page(request, *found)

    @post("/events/{event_id:str}/replay", name="events:replay", status_code=200)
    async def replay_event(self, request: HTMXRequest, event_id: FromPath[str]) -> Template:
        """Send the event again with its endpoint's current mapping, then show it."""
        pipeline = pipeline_of(request)
        try:
            outcome = await pipeline.replay(event_id)
        except ReplayError as error:
            found = await queries.event_with_attempts(event_id)
            if found is None:
                raise NotFoundException(str(error)) from None
            return await _event_page(request, *found, flash=str(error), status_code=409)
        found = await queries.event_with_attempts(event_id)
        assert found is not None
        return await _event_page(request, *found, flash=REPLAY_VERDICTS[outcome.status])


REPLAY_VERDICTS = {
    "delivered": "Replayed: every action succeeded. The new attempts are below.",
    "failed": "Replayed: an action failed. The new attempts are below.",
    "throttled": (
        "Not replayed yet: the target's limits are reached. The event is queued and goes out "
        "as soon as they allow."
    ),
}


async def _event_page(
    request: HTMXRequest,
    event: Event,
    attempts: list[Attempt],
    flash: str | None = None,
    status_code: int = 200,
) -> Template:
    endpoint = await Endpoint.get(id=event.endpoint_id)
    schedule = pipeline_of(request).settings.retry_schedule
    context = {
        **_event_context(event, attempts, endpoint),
        "tries_allowed": tries_allowed(endpoint, schedule),
        "flash": flash,
    }
    return Template(
        template_name="events/show.html", context=context, headers=VARY, status_code=status_code
    )


def _event_context(event: Event, attempts: list[Attempt], endpoint: Endpoint) -> dict[str, Any]:
    return {
        "event": event,
        "endpoint": endpoint,
        "status_label": STATUS_LABELS.get(event.status, event.status),
        "status_explanation": STATUS_EXPLANATIONS.get(event.status, ""),
        "flags": [(flag, FLAG_EXPLANATIONS.get(flag, "")) for flag in event.flags],
        "raw_body": raw_body(event.raw_body),
        "sections": payload_sections(event.payload),
        "attempts": attempts,
        "outcome_labels": OUTCOME_LABELS,
        "answer_json": None if event.answer_body is None else pretty_json(event.answer_body),
        "readable": readable_body,
    }


def raw_body(body: bytes) -> RawBody:
    """The body as text (undecodable bytes shown as �), cut at :data:`RAW_BODY_SHOWN_BYTES`."""
    shown = body[:RAW_BODY_SHOWN_BYTES]
    return RawBody(shown.decode("utf-8", "replace"), len(body), len(body) - len(shown))


def pretty_json(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)


def readable_body(text: str | None) -> str:
    """A stored request or response body, indented when it is JSON, as it is otherwise."""
    if not text or len(text) > PRETTY_JSON_MAX_CHARS or text.lstrip()[:1] not in ("{", "["):
        return text or ""
    try:
        return pretty_json(json.loads(text))
    except (ValueError, RecursionError):  # not JSON, or nested too deep to indent
        return text
