"""The sample area of an endpoint's page: the sample shown, and the ways to choose another.

Besides waiting for the platform, a person can paste a body (or a GET query string), or pick
one of the endpoint's recent events; either is pinned as the sample until "Back to the latest
event". The area (``#sample-area``) holds the sample itself (``#sample``, which polls while it
waits) and the tools (``#sample-tools``). The poller only ever replaces ``#sample``, so that a
person typing a paste keeps their text; when a sample arrives, the tools come along
out of band. The forms here replace the whole area.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from litestar import Controller, Request, Response, post
from litestar.exceptions.http_exceptions import RequestEntityTooLarge
from litestar.params import FromPath
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Redirect, Template

from server import samples
from server.mapping.payload import FORM, JSON
from server.samples import Method, SampleError
from server.store import queries
from server.store.models import Endpoint
from server.web.lookups import endpoint_or_404, pipeline_of
from server.web.pages import VARY, page_or_partial
from server.web.payload_tree import payload_sections

# How many recent events are offered to pick from.
RECENT_EVENTS = 10
# A pasted body of at most samples.MAX_PASTED_BYTES, form-encoded by the browser (each byte
# up to 3 characters), with the other fields.
PASTE_FORM_MAX_BYTES = 3 * samples.MAX_PASTED_BYTES + 64 * 1024
CONTENT_TYPES = {"form": FORM, "json": JSON}
METHODS: tuple[Method, ...] = ("POST", "GET")
# The id of the element that polls while the page waits for a sample.
POLLER_ID = "sample"

ARRIVED = "A sample arrived: here is what your platform sent."
PASTED = "The pasted sample is in use. Nothing was sent anywhere."
PICKED = "That event is the sample now, until you go back to the latest event."
UNPINNED_TO_LATEST = "Back to the latest event."
UNPINNED_TO_WAITING = "The sample is put away: waiting for one from your platform."


@dataclass(slots=True)
class PasteForm:
    """The "paste a body" form as submitted (or prefilled), and what is wrong, by field."""

    method: str = "POST"
    content_type: str = "form"  # a key of CONTENT_TYPES
    text: str = ""
    errors: dict[str, str] = field(default_factory=dict)


def _paste_too_large(request: Request[Any, Any, Any], _: Exception) -> Response[Any]:
    """A paste past :data:`PASTE_FORM_MAX_BYTES`, refused before it is read.

    htmx gets the message in place of the form's error line (its text stays in the form);
    a browser without JavaScript gets it as plain text, with the page to go back to.
    """
    message = samples.PASTE_TOO_LARGE
    if request.headers.get("HX-Request") == "true":
        return Template(
            "endpoints/_sample_paste_error.html",
            context={"message": message},
            status_code=422,
            headers={**VARY, "HX-Retarget": "#sample-text-error", "HX-Reswap": "outerHTML"},
        )
    page = request.url.path.rpartition("/sample/")[0]
    return Response(f"{message}\nGo back to {page}\n", status_code=413, media_type="text/plain")


class SampleController(Controller):
    """Pin a pasted body or a recent event as an endpoint's sample, or go back to the latest."""

    @post(
        "/endpoints/{key:str}/sample/paste",
        name="samples:paste",
        status_code=200,  # htmx: the area; others: 303, or 422 with the form to correct
        request_max_body_size=PASTE_FORM_MAX_BYTES,
        exception_handlers={RequestEntityTooLarge: _paste_too_large},
    )
    async def paste_sample(self, request: HTMXRequest, key: FromPath[str]) -> Template | Redirect:
        """Normalise the pasted body as the listener would and pin it; nothing is delivered."""
        endpoint = await endpoint_or_404(key)
        form = await _paste_form(request)
        if not form.errors:
            try:
                await samples.pin_pasted(
                    endpoint,
                    method="GET" if form.method == "GET" else "POST",
                    content_type=CONTENT_TYPES[form.content_type],
                    text=form.text,
                    limits=pipeline_of(request).settings.limits,
                )
            except SampleError as error:
                form.errors["text"] = str(error)
        if form.errors:
            context = await sample_area_context(request, endpoint, paste=form)
            return _area(request, context, status_code=422)
        return await _done(request, endpoint, PASTED)

    @post("/endpoints/{key:str}/sample/event", name="samples:pin", status_code=200)
    async def pin_event(self, request: HTMXRequest, key: FromPath[str]) -> Template | Redirect:
        """Pin a copy of one of the endpoint's recent events as its sample."""
        endpoint = await endpoint_or_404(key)
        submitted = await request.form()
        try:
            await samples.pin_event(endpoint, str(submitted.get("event_id", "")))
        except SampleError as error:
            context = await sample_area_context(request, endpoint, tools_error=str(error))
            return _area(request, context, status_code=422)
        return await _done(request, endpoint, PICKED)

    @post("/endpoints/{key:str}/sample/unpin", name="samples:unpin", status_code=200)
    async def unpin_sample(self, request: HTMXRequest, key: FromPath[str]) -> Template | Redirect:
        """Forget the pinned sample: the latest event is the sample again."""
        endpoint = await endpoint_or_404(key)
        await samples.unpin(endpoint)
        has_events = bool(await queries.recent_events(str(endpoint.id), limit=1))
        flash = UNPINNED_TO_LATEST if has_events else UNPINNED_TO_WAITING
        return await _done(request, endpoint, flash)


async def sample_area_context(
    request: HTMXRequest,
    endpoint: Endpoint,
    *,
    paste: PasteForm | None = None,
    tools_error: str | None = None,
    flash: str | None = None,
) -> dict[str, Any]:
    """What ``endpoints/_sample.html`` shows (the endpoint page includes it too).

    The poller's own request (it targets ``#sample``) gets only ``#sample``, and the tools
    out of band once there is a sample; everything else gets the whole area.
    """
    sample = await samples.current_sample(endpoint)
    partial = bool(request.htmx) and not request.htmx.history_restore_request
    polled = request.method == "GET" and request.htmx.target == POLLER_ID
    arrived = (
        partial
        and request.method == "GET"
        and sample is not None
        and sample.source == samples.LATEST_EVENT
    )
    # While it waits there is no event to pick: the poller costs no extra query.
    recent = (
        await queries.recent_sample_candidates(str(endpoint.id), RECENT_EVENTS)
        if sample is not None
        else []
    )
    return {
        "endpoint": endpoint,
        "sample": sample,
        "sections": payload_sections(sample.payload) if sample is not None else [],
        "polled": polled,
        "tools_oob": polled and sample is not None,
        "recent": recent,
        "paste": paste if paste is not None else _prefilled(endpoint),
        "tools_error": tools_error,
        "flash": ARRIVED if arrived else (flash if partial else None),
    }


async def _paste_form(request: HTMXRequest) -> PasteForm:
    """The submitted paste, with an error for a choice the form does not offer."""
    submitted = await request.form()
    form = PasteForm(
        method=str(submitted.get("method", "POST")),
        content_type=str(submitted.get("content_type", "form")),
        text=str(submitted.get("text", "")),
    )
    if form.method not in METHODS:
        form.errors["method"] = "Choose POST or GET."
    if form.content_type not in CONTENT_TYPES:
        form.errors["content_type"] = "Choose form or JSON."
    return form


def _prefilled(endpoint: Endpoint) -> PasteForm:
    """An empty form, or the pasted sample in use, ready to correct."""
    pinned = samples.pinned_sample(endpoint)
    if pinned is None or pinned.source != samples.PASTED:
        return PasteForm()
    content_type = "json" if pinned.content_type == JSON else "form"
    text = pinned.query_string if pinned.method == "GET" else pinned.raw_body
    return PasteForm(method=pinned.method, content_type=content_type, text=text)


def _area(request: HTMXRequest, context: dict[str, Any], status_code: int = 200) -> Template:
    """The sample area for htmx, the whole endpoint page otherwise."""
    pipeline = pipeline_of(request)
    context["listener_url"] = pipeline.settings.listener_url(context["endpoint"].token)
    return page_or_partial(
        request, "endpoints/show.html", "endpoints/_sample.html", context, status_code
    )


async def _done(request: HTMXRequest, endpoint: Endpoint, flash: str) -> Template | Redirect:
    """After a change: the new area and a flash for htmx; back to the page for others."""
    if not request.htmx:
        target = request.app.route_reverse("endpoints:show", key=endpoint.key)
        return Redirect(target, status_code=303)
    return _area(request, await sample_area_context(request, endpoint, flash=flash))
