"""The Deliveries log: every event, newest first, for all endpoints or one.

Filters are query parameters, so a filtered log can be bookmarked and shared; htmx applies
them by replacing only the table (and pushing the URL), a plain form submit does the same
without JavaScript. Above the filters, the page sums up the delivery queue of what it shows
(every endpoint, or one): how many events wait to be delivered, and since and until when.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated
from urllib.parse import urlencode

from litestar import Controller, get
from litestar.params import FromPath, QueryParameter
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Template

from server.store import queries, stats
from server.store.deliveries import (
    PERIODS,
    STATUSES,
    WAITING,
    DeliveryFilter,
    DeliveryPage,
    delivery_page,
)
from server.store.models import Endpoint
from server.web.lookups import endpoint_or_404
from server.web.pages import page_or_partial

# What each status is called on screen (the colour only repeats it), in the filter's order;
# "waiting" is no event's status but the filter for every event still to be delivered.
STATUS_LABELS = {
    "delivered": "Delivered",
    "failed": "Failed",
    "duplicate": "Duplicate",
    "received": "In progress",
    "pending": "Waiting to retry",
    "waiting": "Waiting to be delivered",
}
PERIOD_LABELS = {
    "hour": "In the last hour",
    "today": "Today (UTC)",
    "week": "In the last 7 days",
    "all": "At any time",
}
DEFAULT_PERIOD = "all"

# Query parameters; over-long values are refused (400) before anything is read.
Status = Annotated[str, QueryParameter(max_length=16)]
Period = Annotated[str, QueryParameter(max_length=16)]
Search = Annotated[str, QueryParameter(max_length=1000)]
Cursor = Annotated[str | None, QueryParameter(max_length=64)]
BackCursor = Annotated[str | None, QueryParameter(max_length=64)]


class DeliveryController(Controller):
    """The deliveries log, overall and per endpoint."""

    @get("/deliveries", name="deliveries:list")
    async def list_deliveries(
        self,
        request: HTMXRequest,
        status: Status = "",
        period: Period = DEFAULT_PERIOD,
        q: Search = "",
        after: Cursor = None,
        before: BackCursor = None,
    ) -> Template:
        """Every endpoint's events, newest first."""
        chosen = _filter(None, status, period, q)
        url = request.app.route_reverse("deliveries:list")
        return await _log(request, url, None, chosen, after, before)

    @get("/endpoints/{key:str}/deliveries", name="deliveries:endpoint")
    async def list_endpoint_deliveries(
        self,
        request: HTMXRequest,
        key: FromPath[str],
        status: Status = "",
        period: Period = DEFAULT_PERIOD,
        q: Search = "",
        after: Cursor = None,
        before: BackCursor = None,
    ) -> Template:
        """One endpoint's events, newest first."""
        endpoint = await endpoint_or_404(key)
        chosen = _filter(endpoint, status, period, q)
        url = request.app.route_reverse("deliveries:endpoint", key=endpoint.key)
        return await _log(request, url, endpoint, chosen, after, before)


def _filter(endpoint: Endpoint | None, status: str, period: str, search: str) -> DeliveryFilter:
    """The filter as asked for; unknown values mean "no restriction" (old bookmarks still open)."""
    return DeliveryFilter(
        endpoint_id=None if endpoint is None else str(endpoint.id),
        status=status if status in STATUSES else "",
        period=period if period in PERIODS else DEFAULT_PERIOD,
        search=search.strip(),
    )


async def _log(
    request: HTMXRequest,
    url: str,
    endpoint: Endpoint | None,
    chosen: DeliveryFilter,
    after: str | None,
    before: str | None,
) -> Template:
    page = await delivery_page(chosen, after=after, before=before)
    names = {} if endpoint is not None else await _endpoint_names()
    depth = await stats.queue_depth(None if endpoint is None else str(endpoint.id))
    context = {
        "endpoint": endpoint,
        "endpoint_names": names,
        "filter": chosen,
        "page": page,
        "list_url": url,
        "queue": queue_summary(depth, waiting_url(url)),
        **_page_links(url, chosen, page),
        "status_labels": STATUS_LABELS,
        "period_labels": PERIOD_LABELS,
    }
    return page_or_partial(request, "deliveries/list.html", "deliveries/_table.html", context)


async def _endpoint_names() -> dict[str, Endpoint]:
    return {str(endpoint.id): endpoint for endpoint in await queries.list_endpoints()}


def _page_links(url: str, chosen: DeliveryFilter, page: DeliveryPage) -> dict[str, str | None]:
    """The Newest, Newer and Older links, keeping the filter."""
    return {
        "newest_url": filtered_url(url, chosen) if page.has_newer else None,
        "newer_url": filtered_url(url, chosen, before=page.newest_id) if page.has_newer else None,
        "older_url": filtered_url(url, chosen, after=page.oldest_id) if page.has_older else None,
    }


def filtered_url(url: str, chosen: DeliveryFilter, **cursor: str | None) -> str:
    """``url`` with the filter (and a page cursor) as query parameters; defaults left out."""
    parameters = {
        "status": chosen.status,
        "period": "" if chosen.period == DEFAULT_PERIOD else chosen.period,
        "q": chosen.search,
        **cursor,
    }
    query = urlencode({name: value for name, value in parameters.items() if value})
    return f"{url}?{query}" if query else url


def waiting_url(url: str) -> str:
    """The log at ``url`` showing only the events still waiting to be delivered."""
    return filtered_url(url, DeliveryFilter(status=WAITING))


# ---------------------------------------------------------------- the delivery queue


@dataclass(frozen=True, slots=True)
class QueueSummary:
    """The queue of the log's scope, worded for the page ("oldest received 14 min ago")."""

    depth: stats.QueueDepth
    waiting_url: str
    oldest_age: str
    next_retry: str


def queue_summary(
    depth: stats.QueueDepth, waiting_url: str, now: datetime | None = None
) -> QueueSummary:
    """``depth`` with its times in words, as of ``now``."""
    moment = now or datetime.now(UTC)
    oldest, retry = depth.oldest_received_at, depth.next_retry_at
    return QueueSummary(
        depth=depth,
        waiting_url=waiting_url,
        oldest_age="" if oldest is None else time_in_words(moment - oldest),
        next_retry="" if retry is None else clock_time(retry, moment),
    )


def time_in_words(elapsed: timedelta) -> str:
    """A duration as a person says it: "less than a minute", "14 min", "2 h 5 min", "3 days"."""
    minutes = int(elapsed.total_seconds() // 60)
    if minutes < 1:
        return "less than a minute"
    if minutes < 60:
        return f"{minutes} min"
    hours, rest = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {rest} min" if rest else f"{hours} h"
    days = hours // 24
    return "1 day" if days == 1 else f"{days} days"


def clock_time(moment: datetime, now: datetime) -> str:
    """The UTC time of ``moment``, with its date when that is not today ("19:42 UTC")."""
    utc = moment.astimezone(UTC)
    same_day = utc.date() == now.astimezone(UTC).date()
    return utc.strftime("%H:%M UTC" if same_day else "%Y-%m-%d %H:%M UTC")


def tries_allowed(endpoint: Endpoint, default_schedule: Sequence[float]) -> int:
    """The most tries an event of ``endpoint`` gets: the first, then one per retry.

    The endpoint's own ``retries`` apply, else ``default_schedule`` (the server's setting).
    """
    retries = endpoint.document.get("endpoint", {}).get("retries")
    return 1 + len(default_schedule if retries is None else retries)
