"""Replaying a filtered set of events from the Deliveries log, with its progress.

"Replay these events" on the log asks first, with the exact number of events the filter
matches; confirming starts a job (:mod:`server.replays`) and shows its progress, which htmx
polls every second while the job runs (without JavaScript: a page with a Refresh link).

Jobs belong to this server process (:class:`server.replays.ReplayJobs`, made on first use and
kept on ``app.state``): a restart stops a running job.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from litestar import Controller, get, post
from litestar.datastructures import FormMultiDict, State
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Redirect, Template

from server.replays import ReplayAlreadyRunning, ReplayJob, ReplayJobs
from server.store import queries
from server.store.deliveries import (
    PERIODS,
    REPLAY_CAP,
    STATUSES,
    DeliveryFilter,
    count_matching_events,
    matching_event_ids,
)
from server.store.models import Endpoint
from server.web.deliveries import DEFAULT_PERIOD, Period, Search, Status, filtered_url
from server.web.lookups import endpoint_or_404, pipeline_of
from server.web.pages import page_or_partial

PAGE = "deliveries/_replay_page.html"
CONFIRM = "deliveries/_replay_confirm.html"
PROGRESS = "deliveries/_replay_progress.html"
SEARCH_MAX_LENGTH = 1000  # as the log's own ``q`` parameter

# The log's own addresses (path and query): the log a finished replay reloads, when shown there.
LOG_ADDRESS = re.compile(r"^/(endpoints/[^/?#]+/)?deliveries(\?[^#]*)?$")
# How a status and a period read inside "Replay 37 failed events of HubSpot from today?".
STATUS_WORDS = {
    "delivered": "delivered",
    "failed": "failed",
    "duplicate": "duplicate",
    "received": "in-progress",
    "pending": "waiting-to-retry",
    "waiting": "waiting",
}
PERIOD_WORDS = {
    "hour": "from the last hour",
    "today": "from today (UTC)",
    "week": "from the last 7 days",
}


class ReplayController(Controller):
    """Asking, starting, following and cancelling bulk replays."""

    @get("/deliveries/replay", name="replays:confirm")
    async def confirm_replay(
        self,
        request: HTMXRequest,
        status: Status = "",
        period: Period = DEFAULT_PERIOD,
        q: Search = "",
    ) -> Template:
        """The question, with the number of every endpoint's events the filter matches."""
        return await _confirmation(request, None, _scope(None, status, period, q))

    @get("/endpoints/{key:str}/deliveries/replay", name="replays:confirm_endpoint")
    async def confirm_endpoint_replay(
        self,
        request: HTMXRequest,
        key: FromPath[str],
        status: Status = "",
        period: Period = DEFAULT_PERIOD,
        q: Search = "",
    ) -> Template:
        """The question, with the number of one endpoint's events the filter matches."""
        endpoint = await endpoint_or_404(key)
        return await _confirmation(request, endpoint, _scope(endpoint, status, period, q))

    @post("/replays", name="replays:start", status_code=200)  # plain forms get a 303
    async def start_replay(self, request: HTMXRequest) -> Template | Redirect:
        """Start replaying what the confirmed filter matches, then show the progress."""
        form = await request.form()
        endpoint, scope = await _submitted_filter(form)
        as_of = _moment(str(form.get("as_of", "")))
        matching = await matching_event_ids(scope, cap=REPLAY_CAP, now=as_of)
        if not matching.ids:
            return await _confirmation(request, endpoint, scope, as_of)
        label = events_phrase(scope, endpoint)
        try:
            job = _jobs(request.app.state).start(pipeline_of(request), scope, label, matching)
        except ReplayAlreadyRunning:
            return await _confirmation(request, endpoint, scope, as_of)
        if not request.htmx:
            return _redirect_to(request, job)
        return await _progress(request, job, focus=True)

    @get("/replays/{job_id:str}", name="replays:show")
    async def show_replay(self, request: HTMXRequest, job_id: FromPath[str]) -> Template:
        """The job's progress (polled by htmx while it runs), or its summary once finished."""
        return await _progress(request, _job(request, job_id))

    @post("/replays/{job_id:str}/cancel", name="replays:cancel", status_code=200)
    async def cancel_replay(
        self, request: HTMXRequest, job_id: FromPath[str]
    ) -> Template | Redirect:
        """Stop taking new events; the replays under way finish."""
        job = _job(request, job_id)
        job.cancel()
        if not request.htmx:
            return _redirect_to(request, job)
        return await _progress(request, job)


async def stop_replays(state: State) -> None:
    """Stop this process's running replays: for the app's shutdown, before the pipeline closes."""
    jobs: ReplayJobs | None = state.get("replay_jobs")
    if jobs is not None:
        await jobs.stop_all()


def events_phrase(
    scope: DeliveryFilter, endpoint: Endpoint | None, count: int | None = None
) -> str:
    """The events a filter matches, in words: "37 failed events of HubSpot from today (UTC)"."""
    parts = [
        "" if count is None else f"{count:,}",
        STATUS_WORDS.get(scope.status, ""),
        "event" if count == 1 else "events",
        "of every endpoint" if endpoint is None else f"of {endpoint.name}",
        PERIOD_WORDS.get(scope.period, ""),
        f"matching “{scope.search}”" if scope.search else "",
    ]
    return " ".join(part for part in parts if part)


def _jobs(state: State) -> ReplayJobs:
    """This process's replay jobs, made on first use."""
    jobs: ReplayJobs | None = state.get("replay_jobs")
    if jobs is None:
        jobs = state.replay_jobs = ReplayJobs()
    return jobs


def _job(request: HTMXRequest, job_id: str) -> ReplayJob:
    job = _jobs(request.app.state).get(job_id)
    if job is None:
        raise NotFoundException(
            "No replay has this id. Replays are kept while the server runs, and only the "
            "latest finished ones: see the Deliveries log for what was sent."
        )
    return job


async def _submitted_filter(form: FormMultiDict) -> tuple[Endpoint | None, DeliveryFilter]:
    """The endpoint (an unknown key is a 404) and the filter a confirmation form carries."""
    key = str(form.get("endpoint", ""))
    endpoint = await endpoint_or_404(key) if key else None
    status, period = str(form.get("status", "")), str(form.get("period", DEFAULT_PERIOD))
    search = str(form.get("q", ""))[:SEARCH_MAX_LENGTH]
    return endpoint, _scope(endpoint, status, period, search)


def _redirect_to(request: HTMXRequest, job: ReplayJob) -> Redirect:
    return Redirect(request.app.route_reverse("replays:show", job_id=job.id), status_code=303)


def _scope(endpoint: Endpoint | None, status: str, period: str, search: str) -> DeliveryFilter:
    """The filter as the log reads it: unknown values mean "no restriction"."""
    return DeliveryFilter(
        endpoint_id=None if endpoint is None else str(endpoint.id),
        status=status if status in STATUSES else "",
        period=period if period in PERIODS else DEFAULT_PERIOD,
        search=search.strip(),
    )


def _moment(text: str) -> datetime:
    """The moment the question was asked (from the form), never later than now."""
    now = datetime.now(UTC)
    try:
        asked = datetime.fromisoformat(text)
    except ValueError:
        return now
    return now if asked.tzinfo is None else min(asked, now)


async def _confirmation(
    request: HTMXRequest,
    endpoint: Endpoint | None,
    scope: DeliveryFilter,
    as_of: datetime | None = None,
) -> Template:
    """The question, or why it cannot be asked (nothing matches, a replay already runs).

    A plain form gets 409 when a replay already runs; htmx gets 200, since it swaps in only
    successful answers.
    """
    moment = as_of or datetime.now(UTC)
    count = await count_matching_events(scope, now=moment)
    busy = _jobs(request.app.state).running_over(scope)
    context = {
        **_log_links(endpoint, scope, request),
        "partial": CONFIRM,
        "page_title": "Replay events",
        "endpoint": endpoint,
        "scope": scope,
        "count": count,
        "cap": REPLAY_CAP,
        "question": f"Replay {events_phrase(scope, endpoint, count)}?",
        "confirm_url": _confirm_url(request, endpoint),
        # Asked again because a filter changed: the focus stays on that filter.
        "focus": not (request.htmx and request.htmx.trigger == "replay-confirm"),
        "as_of": moment.isoformat(),
        "busy": busy,
        "busy_here": busy is not None and busy.scope == scope,
    }
    status_code = 409 if busy is not None and request.method == "POST" and not request.htmx else 200
    return page_or_partial(request, PAGE, CONFIRM, context, status_code)


async def _progress(request: HTMXRequest, job: ReplayJob, *, focus: bool = False) -> Template:
    endpoint_id = job.scope.endpoint_id
    endpoint = None if endpoint_id is None else await queries.endpoint_by_id(endpoint_id)
    context = {
        **_log_links(endpoint, job.scope, request),
        "partial": PROGRESS,
        "page_title": "Replay of " + job.label,
        "job": job,
        "progress_url": request.app.route_reverse("replays:show", job_id=job.id),
        "cancel_url": request.app.route_reverse("replays:cancel", job_id=job.id),
        "focus": focus,
        # The answer that shows the end says so in the live flash area (htmx only: a full
        # page has the summary in front of the reader anyway).
        "announce": bool(request.htmx) and not job.running,
        "reload_url": _log_shown(request) if not job.running else None,
    }
    return page_or_partial(request, PAGE, PROGRESS, context)


def _confirm_url(request: HTMXRequest, endpoint: Endpoint | None) -> str:
    if endpoint is None:
        return request.app.route_reverse("replays:confirm")
    return request.app.route_reverse("replays:confirm_endpoint", key=endpoint.key)


def _log_shown(request: HTMXRequest) -> str | None:
    """The deliveries log (with its filters) the browser shows around the panel, if it does."""
    shown = request.htmx.current_url_abs_path if request.htmx else None
    return shown if shown and LOG_ADDRESS.match(shown) else None


def _log_links(
    endpoint: Endpoint | None, scope: DeliveryFilter, request: HTMXRequest
) -> dict[str, Any]:
    """Links back to the log: as filtered, with any status (the results), and failed only."""
    if endpoint is None:
        url, name = request.app.route_reverse("deliveries:list"), "Deliveries"
    else:
        url = request.app.route_reverse("deliveries:endpoint", key=endpoint.key)
        name = f"Deliveries of {endpoint.name}"
    any_status = DeliveryFilter(scope.endpoint_id, "", scope.period, scope.search)
    failed = DeliveryFilter(scope.endpoint_id, "failed", scope.period, scope.search)
    return {
        "log_name": name,
        "log_url": filtered_url(url, scope),
        "results_url": filtered_url(url, any_status),
        "failed_url": filtered_url(url, failed),
    }
