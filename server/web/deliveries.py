"""The Deliveries log: every event, newest first, for all endpoints or one.

Filters are query parameters, so a filtered log can be bookmarked and shared; htmx applies
them by replacing only the table (and pushing the URL), a plain form submit does the same
without JavaScript.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from litestar import Controller, get
from litestar.params import FromPath, QueryParameter
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Template

from server.store import queries
from server.store.deliveries import PERIODS, STATUSES, DeliveryFilter, DeliveryPage, delivery_page
from server.store.models import Endpoint
from server.web.lookups import endpoint_or_404
from server.web.pages import page_or_partial

# What each status is called on screen (the colour only repeats it).
STATUS_LABELS = {
    "delivered": "Delivered",
    "failed": "Failed",
    "duplicate": "Duplicate",
    "received": "In progress",
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
    context = {
        "endpoint": endpoint,
        "endpoint_names": names,
        "filter": chosen,
        "page": page,
        "list_url": url,
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
