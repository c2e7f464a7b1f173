"""The Endpoints pages: the list, "New endpoint", and one endpoint waiting for its sample."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from litestar import Controller, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.plugins.htmx import ClientRedirect, HTMXRequest
from litestar.response import Redirect, Template

from server.endpoints import set_enabled
from server.imports import import_documents
from server.mapping.spec import RESERVED_KEYS, endpoint_key
from server.store import queries, stats
from server.web.deliveries import waiting_url
from server.web.lookups import endpoint_or_404, pipeline_of
from server.web.pages import VARY, page_or_partial
from server.web.presets import Preset, available_presets, named_document
from server.web.samples import sample_area_context

NAME_MAX_LENGTH = 200
# Keys that would collide with the pages' own URLs (/endpoints/new).


@dataclass(slots=True)
class NewEndpointForm:
    """The "New endpoint" form as submitted, and what is wrong with it, by field."""

    name: str = ""
    preset: str = ""
    errors: dict[str, str] = field(default_factory=dict)


class EndpointController(Controller):
    """Endpoints as a marketer sees them: a name, a listener URL, and what arrived."""

    @get("/", name="endpoints:list")
    async def list_endpoints(self, request: HTMXRequest) -> Template:
        """Every endpoint with its URL, state, last event, today's outcomes and its queue."""
        pipeline = pipeline_of(request)
        endpoints = await queries.list_endpoints()
        activity = await stats.activity_by_endpoint(stats.start_of_today())
        queue = await stats.queue_by_endpoint()
        rows = [
            {
                "endpoint": endpoint,
                "listener_url": pipeline.settings.listener_url(endpoint.token),
                "activity": activity.get(str(endpoint.id), stats.EndpointActivity()),
                "queue": queue.get(str(endpoint.id), stats.QueueDepth()),
                "waiting_url": waiting_url(
                    request.app.route_reverse("deliveries:endpoint", key=endpoint.key)
                ),
            }
            for endpoint in endpoints
        ]
        return page_or_partial(
            request, "endpoints/list.html", "endpoints/_table.html", {"rows": rows}
        )

    @get("/endpoints/new", name="endpoints:new")
    async def new_endpoint(self, request: HTMXRequest) -> Template:
        """The form: a name, and optionally a preset."""
        return _form(request, NewEndpointForm())

    @post("/endpoints", name="endpoints:create", status_code=200)  # HX-Redirect; others set 303/422
    async def create_endpoint(self, request: HTMXRequest) -> Template | Redirect | ClientRedirect:
        """Create the endpoint and go to its page; or show the form again, saying what to fix."""
        submitted = await request.form()
        form = NewEndpointForm(
            name=" ".join(str(submitted.get("name", "")).split()),
            preset=str(submitted.get("preset", "")),
        )
        presets = {preset.file: preset for preset in available_presets()}
        await _validate(form, presets)
        if form.errors:
            return _form(request, form, status_code=422)
        [result] = await import_documents([named_document(form.name, presets.get(form.preset))])
        pipeline_of(request).endpoints.forget()
        target = request.app.route_reverse("endpoints:show", key=result.key)
        if request.htmx:
            return ClientRedirect(redirect_to=target)
        return Redirect(target, status_code=303)

    @get("/endpoints/{key:str}", name="endpoints:show")
    async def show_endpoint(self, request: HTMXRequest, key: FromPath[str]) -> Template:
        """One endpoint: its listener URL and the latest sample, or "waiting for a sample"."""
        context = await _endpoint_context(request, key)
        return Template(template_name="endpoints/show.html", context=context, headers=VARY)

    @post("/endpoints/{key:str}/enabled", name="endpoints:switch", status_code=303)
    async def switch_endpoint(self, request: HTMXRequest, key: FromPath[str]) -> Redirect:
        """Switch the endpoint on (``enabled=on``) or off; an endpoint that is off answers 404."""
        form = await request.form()
        if not await set_enabled(key, form.get("enabled") == "on"):
            raise NotFoundException(f"No endpoint has the key {key!r}.")
        pipeline_of(request).endpoints.forget()
        return Redirect(request.app.route_reverse("endpoints:show", key=key), status_code=303)

    @get("/endpoints/{key:str}/sample", name="endpoints:sample")
    async def show_sample(self, request: HTMXRequest, key: FromPath[str]) -> Template:
        """The sample area, polled by the waiting page until a sample arrives."""
        context = await _endpoint_context(request, key)
        return page_or_partial(request, "endpoints/show.html", "endpoints/_sample.html", context)


def _form(request: HTMXRequest, form: NewEndpointForm, status_code: int = 200) -> Template:
    context = {"form": form, "presets": available_presets()}
    return page_or_partial(
        request, "endpoints/new.html", "endpoints/_form.html", context, status_code
    )


async def _validate(form: NewEndpointForm, presets: dict[str, Preset]) -> None:
    """Fill ``form.errors`` with what a person must change, in plain words."""
    if not form.name:
        form.errors["name"] = "Give the endpoint a name, for example “HubSpot contacts”."
    elif len(form.name) > NAME_MAX_LENGTH:
        form.errors["name"] = f"Keep the name under {NAME_MAX_LENGTH} characters."
    else:
        clash = await _name_clash(form.name)
        if clash:
            form.errors["name"] = clash
    if form.preset and form.preset not in presets:
        form.errors["preset"] = "That preset is not available any more: choose one from the list."


async def _name_clash(name: str) -> str | None:
    """Why ``name`` cannot be used, when its key is taken or reserved."""
    document = named_document(name, None)
    key = endpoint_key(document.endpoint)
    if key in RESERVED_KEYS:
        return f"“{name}” is a word the pages use: choose another name."
    existing = await queries.endpoint_by_key(key)
    if existing is None:
        return None
    return f"There is already an endpoint called “{existing.name}”: choose another name."


async def _endpoint_context(request: HTMXRequest, key: str) -> dict[str, Any]:
    endpoint = await endpoint_or_404(key)
    return {
        "listener_url": pipeline_of(request).settings.listener_url(endpoint.token),
        **await sample_area_context(request, endpoint),
    }
