"""How an endpoint's listener receives and answers: its methods and its answer mode."""

from __future__ import annotations

from litestar import Controller, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Redirect

from server.endpoints import change_endpoint_settings
from server.web.lookups import pipeline_of

LISTENER_METHODS = ("POST", "GET")
RESPONSE_MODES = ("sync", "async")


class EndpointSettingsController(Controller):
    """The "How it listens" form of the endpoint page."""

    @post("/endpoints/{key:str}/settings", name="endpoints:settings", status_code=303)
    async def change_settings(self, request: HTMXRequest, key: FromPath[str]) -> Redirect:
        """Store the accepted methods and the answer mode; at least one method stays."""
        submitted = await request.form()
        methods = [
            method for method in LISTENER_METHODS if method in submitted.getall("methods", [])
        ]
        response = str(submitted.get("response", "sync"))
        target = request.app.route_reverse("endpoints:show", key=key)
        if not methods or response not in RESPONSE_MODES:
            return Redirect(f"{target}?done=settings_refused", status_code=303)
        if not await change_endpoint_settings(key, methods=methods, response=response):
            raise NotFoundException(f"No endpoint has the key {key!r}.")
        pipeline = pipeline_of(request)
        pipeline.endpoints.forget()
        return Redirect(f"{target}?done=settings", status_code=303)
