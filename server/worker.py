"""The background worker: takes due events from the queue and delivers them.

Every Switchboard process runs one. It asks the queue (:mod:`server.store.queue`) for as many
due events as it has free delivery slots, delivers each through the pipeline, and asks again;
when nothing is due it sleeps a moment. Events land in the queue when a delivery failed in a
way worth retrying (their next try is due later), and when the process that received them
died before finishing (their lease runs out).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from server.pipeline import Pipeline
from server.store.errors import StoreError
from server.store.queue import lease_due, release_all_leases

log = logging.getLogger(__name__)


class Worker:
    """Delivers due events, ``concurrency`` at a time, checking every ``poll_seconds``."""

    def __init__(
        self, pipeline: Pipeline, *, concurrency: int, poll_seconds: float, lease_seconds: float
    ) -> None:
        self.pipeline = pipeline
        self.concurrency = concurrency
        self.poll_seconds = poll_seconds
        self.lease_seconds = lease_seconds
        self._running: set[asyncio.Task[None]] = set()
        self._task: asyncio.Task[None] | None = None
        self._unreachable = False

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="switchboard-worker")

    async def stop(self) -> None:
        """Stop taking events; let the deliveries under way finish."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._running:
            await asyncio.gather(*self._running, return_exceptions=True)

    async def _run(self) -> None:
        while True:
            taken = await self._take()
            if not taken:
                await asyncio.sleep(self.poll_seconds)

    async def _take(self) -> int:
        free = self.concurrency - len(self._running)
        if free <= 0:
            await asyncio.wait(self._running, return_when=asyncio.FIRST_COMPLETED)
            return 1
        try:
            ids = await lease_due(self.pipeline.owner, self.lease_seconds, free)
        except StoreError as error:
            if not self._unreachable:  # once per outage, not once per poll
                log.warning("the delivery queue cannot be read: %s", error)
            self._unreachable = True
            return 0
        except Exception:  # a bug must show in the log, and not stop deliveries for good
            log.exception("the delivery queue could not be read")
            return 0
        if self._unreachable:
            log.info("the delivery queue can be read again")
            self._unreachable = False
        for event_id in ids:
            task = asyncio.create_task(self._deliver(event_id))
            self._running.add(task)
            task.add_done_callback(self._running.discard)
        return len(ids)

    async def _deliver(self, event_id: str) -> None:
        try:
            await self.pipeline.deliver_queued(event_id)
        except Exception:  # one event's trouble must not stop the worker
            log.exception("event %s could not be delivered from the queue", event_id)


@contextlib.asynccontextmanager
async def running_worker(pipeline: Pipeline) -> AsyncIterator[Worker]:
    """The process's worker, started (after freeing stale SQLite leases) and stopped on exit."""
    freed = await release_all_leases()
    if freed:
        log.info("took back %d events a previous run left half-delivered", freed)
    settings = pipeline.settings
    worker = Worker(
        pipeline,
        concurrency=settings.workers,
        poll_seconds=settings.queue_poll_seconds,
        lease_seconds=pipeline.queue_lease_seconds,
    )
    worker.start()
    try:
        yield worker
    finally:
        await worker.stop()
