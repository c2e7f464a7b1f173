"""Replaying a filtered set of events: a job that sends each one again, in the background.

Each event goes through :meth:`Pipeline.replay`, exactly like the event page's Replay button,
oldest first and a few at a time (:data:`REPLAY_CONCURRENCY`), so that a large replay neither
floods the target API nor takes all afternoon. A job counts what happened as it goes, so a page
can show its progress, and can be cancelled: it then stops taking new events, and the replays
already under way finish.

Jobs live in this process only (:class:`ReplayJobs`): a restart stops a running job (what it
had replayed stays replayed), and another server process does not see it. The command line
(``switchboard replay``) runs a job of its own and awaits :meth:`ReplayJob.run`, printing each
event's result as it ends.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from server.pipeline import Outcome, Pipeline, ReplayError
from server.store.deliveries import DeliveryFilter, MatchingEvents

log = logging.getLogger(__name__)

# How many events of one job are replayed at the same time.
REPLAY_CONCURRENCY = 4
# Finished jobs kept so that their page still opens; the oldest are forgotten first.
KEPT_FINISHED_JOBS = 20

# Why an event a target's limits held back counts as skipped (it is queued, not lost).
HELD_BACK = "The target's limits were reached: it is queued and goes out as soon as they allow."

JobState = Literal["running", "stopping", "finished", "cancelled"]


@dataclass(frozen=True, slots=True)
class EventReplayed:
    """What replaying one event did: its outcome, or why it was skipped or failed without one."""

    event_id: str
    outcome: Outcome | None
    problem: str | None = None


OnReplayed = Callable[[EventReplayed], None]


class ReplayAlreadyRunning(Exception):
    """A running job already covers some of these events; ``job`` is that job."""

    def __init__(self, job: ReplayJob) -> None:
        super().__init__(f"A replay of {job.label} is already running.")
        self.job = job


class ReplayJob:
    """One bulk replay: which events, and how many were delivered, failed or skipped so far.

    ``failed`` counts events whose replay ran and failed; an unexpected error of Switchboard's
    own (the database gone, say) also counts as failed, with its message in ``errors``.
    ``skipped`` counts events that could not be replayed at all (:class:`ReplayError`), by
    reason in ``skip_reasons``. ``on_replayed``, when given, hears about each event as it ends
    (the command line prints a line per event).
    """

    def __init__(
        self,
        scope: DeliveryFilter,
        label: str,
        matching: MatchingEvents,
        on_replayed: OnReplayed | None = None,
    ) -> None:
        self.id = uuid.uuid4().hex
        self.scope = scope
        self.label = label
        self.matched = matching.total
        self.total = len(matching.ids)
        self.done = self.delivered = self.failed = self.skipped = 0
        self.skip_reasons: Counter[str] = Counter()
        self.errors: Counter[str] = Counter()
        self.started_at = datetime.now(UTC)
        self.finished_at: datetime | None = None
        self.cancel_requested = False
        self._pending: Iterator[str] = iter(matching.ids)
        self._on_replayed = on_replayed
        self._task: asyncio.Task[None] | None = None

    @property
    def state(self) -> JobState:
        if self.finished_at is None:
            return "stopping" if self.cancel_requested else "running"
        return "cancelled" if self.cancel_requested and self.done < self.total else "finished"

    @property
    def running(self) -> bool:
        return self.finished_at is None

    @property
    def capped(self) -> bool:
        """Whether more events matched than this job replays."""
        return self.matched > self.total

    @property
    def not_replayed(self) -> int:
        return self.total - self.done

    def cancel(self) -> None:
        """Take no new events; the replays under way finish (each has its own time limits)."""
        self.cancel_requested = True

    def start(self, pipeline: Pipeline, concurrency: int = REPLAY_CONCURRENCY) -> None:
        """Run the job as a task of the running event loop."""
        self._task = asyncio.create_task(self.run(pipeline, concurrency), name=f"replay {self.id}")

    async def run(self, pipeline: Pipeline, concurrency: int = REPLAY_CONCURRENCY) -> None:
        """Replay every event, ``concurrency`` at a time, until done or cancelled."""
        try:
            workers = (self._work(pipeline) for _ in range(max(1, concurrency)))
            await asyncio.gather(*workers)
        finally:
            self.finished_at = datetime.now(UTC)

    async def stop(self) -> None:
        """Stop at once, replays under way included (at shutdown), and wait until it has."""
        self.cancel_requested = True
        if self._task is not None and not self._task.done():
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _work(self, pipeline: Pipeline) -> None:
        # The workers share one iterator: each takes the oldest event not yet taken.
        for event_id in self._pending:
            if self.cancel_requested:
                return
            await self._replay_one(pipeline, event_id)

    async def _replay_one(self, pipeline: Pipeline, event_id: str) -> None:
        try:
            outcome = await pipeline.replay(event_id)
        except ReplayError as error:
            self.skipped += 1
            self.skip_reasons[str(error)] += 1
            replayed = EventReplayed(event_id, None, str(error))
        except Exception as error:  # one event's trouble must not stop the others
            log.exception("replaying event %s failed", event_id)
            self.failed += 1
            problem = str(error) or type(error).__name__
            self.errors[problem] += 1
            replayed = EventReplayed(event_id, None, problem)
        else:
            if outcome.status == "delivered":
                self.delivered += 1
            elif outcome.status == "throttled":
                self.skipped += 1
                self.skip_reasons[HELD_BACK] += 1
            else:
                self.failed += 1
            replayed = EventReplayed(event_id, outcome)
        self.done += 1
        if self._on_replayed is not None:
            self._on_replayed(replayed)


class ReplayJobs:
    """The jobs of this process: every running one, and the last finished ones."""

    def __init__(
        self, concurrency: int = REPLAY_CONCURRENCY, keep_finished: int = KEPT_FINISHED_JOBS
    ) -> None:
        self.concurrency = concurrency
        self.keep_finished = keep_finished
        self._jobs: dict[str, ReplayJob] = {}  # in the order they started

    def get(self, job_id: str) -> ReplayJob | None:
        return self._jobs.get(job_id)

    def running_over(self, scope: DeliveryFilter) -> ReplayJob | None:
        """A running job that may replay some of the events ``scope`` matches, if any."""
        for job in self._jobs.values():
            if job.running and overlaps(job.scope, scope):
                return job
        return None

    def start(
        self, pipeline: Pipeline, scope: DeliveryFilter, label: str, matching: MatchingEvents
    ) -> ReplayJob:
        """Start replaying ``matching`` (the events ``scope`` matched) in the background.

        Raises :class:`ReplayAlreadyRunning` when a running job covers the same endpoint: the
        same event replayed twice at once would reach the target twice.
        """
        busy = self.running_over(scope)
        if busy is not None:
            raise ReplayAlreadyRunning(busy)
        job = ReplayJob(scope, label, matching)
        self._jobs[job.id] = job
        job.start(pipeline, self.concurrency)
        self._forget_old_jobs()
        return job

    async def stop_all(self) -> None:
        """Stop every running job and wait for them (before the pipeline closes)."""
        await asyncio.gather(*(job.stop() for job in list(self._jobs.values())))

    def _forget_old_jobs(self) -> None:
        finished = [job for job in self._jobs.values() if not job.running]
        for job in finished[: max(0, len(finished) - self.keep_finished)]:
            del self._jobs[job.id]


def overlaps(first: DeliveryFilter, second: DeliveryFilter) -> bool:
    """Whether two filters can match the same event.

    Only the endpoint decides: statuses change while events are replayed, so two filters that
    differ only by status, period or search can still meet.
    """
    return (
        first.endpoint_id is None
        or second.endpoint_id is None
        or first.endpoint_id == second.endpoint_id
    )
