"""Deleting old finished events in the background, when ``SWITCHBOARD_RETENTION_DAYS`` is set.

Every hour (``SWITCHBOARD_RETENTION_INTERVAL_SECONDS``), and once shortly after start, the
server deletes the events received more than that many days ago whose delivery is over
(delivered, failed or duplicate), with their attempts. Events still waiting for delivery are
kept however old they are: deleting one would lose a contact.

The deletion goes in batches, one statement each with a short pause between them, so that a
large first clean-up never holds the database for long: the listener's writes go in between.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

from server.settings import Settings
from server.store import queries

log = logging.getLogger(__name__)

# Events deleted per statement.
BATCH_SIZE = 1000
# Seconds between two batches of one sweep.
PAUSE_SECONDS = 0.2
# Seconds after start before the first sweep: start-up (and a deploy's health checks) first.
FIRST_SWEEP_DELAY_SECONDS = 30.0


class RetentionSweeper:
    """Deletes expired events now and then until stopped.

    Stopping never interrupts a statement (a cancelled query can leave a SQLite connection
    locked for the rest of the shutdown): the sweeper stops between batches and while it waits.
    """

    def __init__(self, days: int, interval_seconds: float) -> None:
        self.days = days
        self.interval_seconds = interval_seconds
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="switchboard-retention")

    async def stop(self) -> None:
        self._stopping.set()
        if self._task is not None:
            await self._task

    async def sweep(self) -> int:
        """Delete the finished events received more than ``days`` ago; how many went."""
        cutoff = datetime.now(UTC) - timedelta(days=self.days)
        total = 0
        while not self._stopping.is_set():
            deleted = await queries.delete_finished_events_received_before(cutoff, BATCH_SIZE)
            total += deleted
            if deleted < BATCH_SIZE or await self._stopped_within(PAUSE_SECONDS):
                break
        return total

    async def _run(self) -> None:
        """Sweep shortly after start, then every ``interval_seconds``; a failed sweep is
        logged and tried again next time (the database may be back by then)."""
        delay = min(FIRST_SWEEP_DELAY_SECONDS, self.interval_seconds)
        while not await self._stopped_within(delay):
            try:
                deleted = await self.sweep()
            except Exception as error:
                log.warning("retention: old events could not be deleted: %s", error)
            else:
                log.info(
                    "retention: deleted %d finished events older than %d days", deleted, self.days
                )
            delay = self.interval_seconds

    async def _stopped_within(self, seconds: float) -> bool:
        """Wait up to ``seconds``; whether the sweeper was stopped meanwhile."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), seconds)
        return self._stopping.is_set()


@contextlib.asynccontextmanager
async def running_retention(settings: Settings) -> AsyncIterator[RetentionSweeper | None]:
    """The retention sweeper, running until exit; None when ``retention_days`` is 0 (keep all).

    Needs the database opened first (:func:`server.store.db.open_database`).
    """
    if settings.retention_days == 0:
        yield None
        return
    sweeper = RetentionSweeper(settings.retention_days, settings.retention_interval_seconds)
    sweeper.start()
    try:
        yield sweeper
    finally:
        await sweeper.stop()
