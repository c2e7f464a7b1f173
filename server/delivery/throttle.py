"""Per-target limits: how many requests per second, and how many at once, go to one host.

An action's ``limits`` (see :class:`server.mapping.spec.Limits`) apply to the host its request
goes to (scheme, host and port), shared by every action and endpoint of this process that sends
there, so that a blast of contacts cannot get the user's API key banned.

The rate is kept as the time the next request to the host may start (the "generic cell rate
algorithm"): each request takes the next free start time and moves it on by ``1 / per_second``,
so requests are evenly spaced and actions with different rates to one host still share one
budget. The concurrency limit counts requests under way to the host.

A request never waits longer than ``max_wait``: beyond that, :class:`Throttled` says how long
it would have had to wait, and the caller puts the delivery back in the queue for then rather
than holding it (and its lease) in memory.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from urllib.parse import urlsplit

# How many requests may queue up behind each allowed concurrent one before more are deferred
# at once, instead of each waiting ``max_wait`` first.
WAITING_PER_SLOT = 4


class Throttled(Exception):
    """The target's limit is reached; ``wait`` is how many seconds until it likely is not."""

    def __init__(self, origin: str, wait: float, reason: str) -> None:
        super().__init__(f"{origin}: {reason}")
        self.origin = origin
        self.wait = wait
        self.reason = reason


@dataclass(slots=True)
class _Target:
    next_start: float = 0.0
    under_way: int = 0
    waiting: int = 0
    changed: asyncio.Condition = field(default_factory=asyncio.Condition)


class TargetThrottle:
    """The limits of every target host this process sends to."""

    def __init__(self, max_wait: float = 10.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.max_wait = max_wait
        self._clock = clock
        self._targets: dict[str, _Target] = {}

    @asynccontextmanager
    async def slot(
        self, url: str, per_second: float | None, concurrency: int | None
    ) -> AsyncIterator[None]:
        """Hold a place to send one request to ``url``'s host, waiting for it if needed.

        Raises :class:`Throttled` when the place is more than ``max_wait`` away.
        """
        if per_second is None and concurrency is None:
            yield
            return
        origin = origin_of(url)
        target = self._targets.setdefault(origin, _Target())
        deadline = self._clock() + self.max_wait
        if concurrency is not None:
            await self._wait_for_room(origin, target, concurrency, deadline)
        target.under_way += 1
        try:
            if per_second is not None:
                await self._wait_for_turn(origin, target, per_second, deadline)
            yield
        finally:
            target.under_way -= 1
            async with target.changed:
                target.changed.notify_all()

    async def _wait_for_room(
        self, origin: str, target: _Target, concurrency: int, deadline: float
    ) -> None:
        if target.under_way < concurrency:
            return
        reason = f"{concurrency} requests at once are already under way"
        if target.waiting >= concurrency * WAITING_PER_SLOT:
            raise Throttled(origin, self.max_wait, reason)
        target.waiting += 1
        try:
            async with target.changed:
                await asyncio.wait_for(
                    target.changed.wait_for(lambda: target.under_way < concurrency),
                    timeout=max(0.0, deadline - self._clock()),
                )
        except TimeoutError:
            raise Throttled(origin, self.max_wait, reason) from None
        finally:
            target.waiting -= 1

    async def _wait_for_turn(
        self, origin: str, target: _Target, per_second: float, deadline: float
    ) -> None:
        now = self._clock()
        start = max(target.next_start, now)
        if start > deadline:
            reason = f"the limit of {per_second:g} requests per second is reached"
            raise Throttled(origin, start - now, reason)
        target.next_start = start + 1 / per_second
        if start > now:
            await asyncio.sleep(start - now)


def origin_of(url: str) -> str:
    """``scheme://host:port`` of a URL: what limits are shared by."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port or {"http": 80, "https": 443}.get(scheme)
    except ValueError:  # not a port: the request fails when sent, but counts here all the same
        port = None
    return f"{scheme}://{(parts.hostname or '').lower()}:{port}"
