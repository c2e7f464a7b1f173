"""Endpoints for machines that watch the server: liveness, readiness and metrics.

- ``/healthz`` (liveness) answers as long as the process serves requests; it touches nothing,
  so a slow database never gets a healthy process restarted.
- ``/readyz`` (readiness) answers 200 only when the database answers and its schema is the
  one this code expects: a load balancer sends events only to instances that can store them.
- ``/metrics`` serves Prometheus' text format (:mod:`server.metrics`).
"""

from __future__ import annotations

import asyncio
import logging
import time

from litestar import Response, get
from litestar.datastructures import State

from server import metrics
from server.store import queries
from server.store.db import migrations_pending

log = logging.getLogger(__name__)

# Prometheus' text format; Litestar adds "; charset=utf-8" to every text/ type itself.
METRICS_MEDIA_TYPE = metrics.CONTENT_TYPE.removesuffix("; charset=utf-8")
# Machines poll these: no cache may keep an old answer.
NO_STORE = {"Cache-Control": "no-store"}
# Seconds a database check may take before the database counts as not answering.
CHECK_TIMEOUT_SECONDS = 3.0
# Seconds a "no migration pending" answer is reused: readiness is polled every few seconds,
# and the migration check reads the migration table and plans against it.
MIGRATIONS_CHECK_SECONDS = 5.0

NOT_ANSWERING = "The database does not answer."
SLOW = f"The database did not answer within {CHECK_TIMEOUT_SECONDS:g} seconds."
MIGRATIONS_PENDING = (
    "The database needs migrations this version ships: run 'switchboard migrate' or restart."
)


@get("/healthz", name="health:alive", include_in_schema=False, sync_to_thread=False)
def health() -> dict[str, str]:
    return {"status": "ok"}


@get("/readyz", name="health:ready", include_in_schema=False)
async def readiness(state: State) -> Response[dict[str, object]]:
    """200 ``{"status": "ready"}``, or 503 with the reasons in plain words."""
    reasons = await _checks(state).reasons()
    if reasons:
        content: dict[str, object] = {"status": "not_ready", "reasons": reasons}
        return Response(content, status_code=503, headers=NO_STORE)
    return Response({"status": "ready"}, headers=NO_STORE)


@get("/metrics", name="health:metrics", include_in_schema=False)
async def metrics_text() -> Response[bytes]:
    return Response(await metrics.exposition(), media_type=METRICS_MEDIA_TYPE, headers=NO_STORE)


class ReadinessChecks:
    """The database checks behind ``/readyz``, one per app, the migration answer cached."""

    def __init__(self, migrations_check_seconds: float = MIGRATIONS_CHECK_SECONDS) -> None:
        self.migrations_check_seconds = migrations_check_seconds
        self._schema_current_until = 0.0

    async def reasons(self) -> list[str]:
        """Why this instance should not get traffic; empty when it should."""
        try:
            async with asyncio.timeout(CHECK_TIMEOUT_SECONDS):
                return await self._database_reasons()
        except TimeoutError:
            log.warning("readiness: the database did not answer in time")
            return [SLOW]
        except Exception as error:
            log.warning("readiness: the database does not answer: %s", error)
            return [NOT_ANSWERING]

    async def _database_reasons(self) -> list[str]:
        if time.monotonic() < self._schema_current_until:
            await queries.database_answers()
            return []
        if await migrations_pending():  # asks the database first: raises when it cannot
            return [MIGRATIONS_PENDING]
        self._schema_current_until = time.monotonic() + self.migrations_check_seconds
        return []


def _checks(state: State) -> ReadinessChecks:
    """This app's checks, made on first use (so a new app starts with nothing cached)."""
    checks = state.get("readiness_checks")
    if not isinstance(checks, ReadinessChecks):
        checks = state["readiness_checks"] = ReadinessChecks()
    return checks
