"""What every UI page shares: the template engine, the static files, page-or-partial answers."""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, StrictUndefined
from litestar import Request, Response, Router
from litestar.exceptions import NotFoundException
from litestar.plugins.htmx import HTMXRequest
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Template
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig

from server.web.assets import asset_directory

# Tells caches that the same URL answers differently to htmx (a partial) and to a browser.
VARY = {"Vary": "HX-Request"}


def template_config() -> TemplateConfig[JinjaTemplateEngine]:
    """Jinja templates from ``templates/``, autoescaped (Litestar's default for Jinja)."""
    return TemplateConfig(
        directory=asset_directory("templates"),
        engine=JinjaTemplateEngine,
        engine_callback=_configure_jinja,
    )


def _configure_jinja(engine: JinjaTemplateEngine) -> None:
    environment: Environment = engine.engine
    environment.undefined = StrictUndefined  # a misspelt variable fails, not renders blank
    environment.trim_blocks = True
    environment.lstrip_blocks = True


def static_files() -> Router:
    """``/static/...``: the stylesheet, the script and the vendored htmx."""
    return create_static_files_router(
        path="/static", directories=[asset_directory("static")], name="static"
    )


def page_or_partial(
    request: HTMXRequest,
    page: str,
    partial: str,
    context: dict[str, Any],
    status_code: int = 200,
) -> Template:
    """The whole page for a browser, only ``partial`` for htmx: one URL serves both.

    htmx restoring a page from history (Back after ``hx-push-url``) needs the whole page too.
    """
    wants_partial = bool(request.htmx) and not request.htmx.history_restore_request
    return Template(
        template_name=partial if wants_partial else page,
        context=context,
        status_code=status_code,
        headers=VARY,
    )


# Paths machines call: a 404 there stays Litestar's JSON, never an HTML page.
_MACHINE_PATHS = ("/hooks/", "/hooks", "/healthz", "/readyz", "/metrics", "/static/")


def not_found(request: Request[Any, Any, Any], error: NotFoundException) -> Response[Any]:
    """A page that says what was not found and where to go, for people; JSON for machines."""
    if request.url.path.startswith(_MACHINE_PATHS):
        return Response(content={"status_code": 404, "detail": error.detail}, status_code=404)
    detail = error.detail if error.detail != "Not Found" else "There is no page at this address."
    return Template(
        template_name="errors/not_found.html", context={"detail": detail}, status_code=404
    )
