"""Liveness: answers once the server has started and its database is open."""

from __future__ import annotations

from litestar import get


@get("/healthz", name="health:alive", include_in_schema=False, sync_to_thread=False)
def health() -> dict[str, str]:
    return {"status": "ok"}
