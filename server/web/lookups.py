"""What most handlers look up first: the process's pipeline, and the endpoint a URL names."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.exceptions import NotFoundException

from server.pipeline import Pipeline
from server.store import queries
from server.store.models import Endpoint


def pipeline_of(request: Request[Any, Any, Any]) -> Pipeline:
    """The pipeline the app's lifespan started (settings, writer, HTTP session, cache)."""
    pipeline: Pipeline = request.app.state.pipeline
    return pipeline


async def endpoint_or_404(key: str) -> Endpoint:
    """The endpoint with this key; a 404 page that says so when there is none."""
    endpoint = await queries.endpoint_by_key(key)
    if endpoint is None:
        raise NotFoundException(f"No endpoint has the key {key!r}.")
    return endpoint
