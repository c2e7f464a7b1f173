"""Per-target limits: evenly spaced starts, a cap on requests under way, no endless waits."""

from __future__ import annotations

import asyncio
import itertools
import time

import pytest

from server.delivery.throttle import TargetThrottle, Throttled, origin_of


class FrozenClock:
    """A clock that only moves when told to: waits are computed, never slept."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_starts_to_one_host_are_spaced_by_the_rate() -> None:
    throttle = TargetThrottle(max_wait=5)
    starts: list[float] = []

    async def send() -> None:
        async with throttle.slot("https://crm.test/a", per_second=40, concurrency=None):
            starts.append(time.monotonic())

    await asyncio.gather(*(send() for _ in range(6)))

    gaps = [later - earlier for earlier, later in itertools.pairwise(starts)]
    assert all(gap >= 1 / 40 - 0.002 for gap in gaps), gaps


async def test_a_start_further_away_than_max_wait_is_refused_with_the_wait() -> None:
    throttle = TargetThrottle(max_wait=5, clock=FrozenClock())
    async with throttle.slot("https://crm.test/a", per_second=0.1, concurrency=None):
        pass

    with pytest.raises(Throttled) as refused:
        async with throttle.slot("https://crm.test/b", per_second=0.1, concurrency=None):
            pytest.fail("sent beyond the limit")

    assert refused.value.wait == pytest.approx(10)
    assert refused.value.origin == "https://crm.test:443"
    assert "0.1 requests per second" in refused.value.reason


async def test_a_refused_request_does_not_use_up_the_budget() -> None:
    clock = FrozenClock()
    throttle = TargetThrottle(max_wait=5, clock=clock)
    async with throttle.slot("https://crm.test/", per_second=0.1, concurrency=None):
        pass
    for _ in range(3):
        with pytest.raises(Throttled):
            async with throttle.slot("https://crm.test/", per_second=0.1, concurrency=None):
                pass

    clock.now += 10
    async with throttle.slot("https://crm.test/", per_second=0.1, concurrency=None):
        pass  # the next start is the one after the first request, not after the refusals


async def test_hosts_have_their_own_budgets_and_no_limits_means_no_wait() -> None:
    throttle = TargetThrottle(max_wait=5, clock=FrozenClock())
    async with throttle.slot("https://one.test/", per_second=0.1, concurrency=None):
        pass

    async with throttle.slot("https://two.test/", per_second=0.1, concurrency=None):
        pass
    async with throttle.slot("https://one.test/", per_second=None, concurrency=None):
        pass


async def test_no_more_requests_are_under_way_than_the_concurrency_allows() -> None:
    throttle = TargetThrottle(max_wait=5)
    under_way = peak = 0

    async def send() -> None:
        nonlocal under_way, peak
        async with throttle.slot("http://crm.test/", per_second=None, concurrency=2):
            under_way += 1
            peak = max(peak, under_way)
            await asyncio.sleep(0.01)
            under_way -= 1

    await asyncio.gather(*(send() for _ in range(8)))

    assert peak == 2


async def test_waiting_for_room_longer_than_max_wait_is_refused() -> None:
    throttle = TargetThrottle(max_wait=0.05)
    async with throttle.slot("http://crm.test/", per_second=None, concurrency=1):
        with pytest.raises(Throttled) as refused:
            async with throttle.slot("http://crm.test/", per_second=None, concurrency=1):
                pytest.fail("two requests under way")

    assert "1 requests at once" in refused.value.reason
    async with throttle.slot("http://crm.test/", per_second=None, concurrency=1):
        pass  # the slot was given back


async def test_a_long_line_is_refused_at_once_instead_of_waiting() -> None:
    throttle = TargetThrottle(max_wait=60)
    held = asyncio.Event()
    release = asyncio.Event()

    async def hold() -> None:
        async with throttle.slot("http://crm.test/", per_second=None, concurrency=1):
            held.set()
            await release.wait()

    holder = asyncio.create_task(hold())
    await held.wait()
    waiters = [
        asyncio.create_task(_send(throttle, "http://crm.test/", concurrency=1)) for _ in range(4)
    ]
    await asyncio.sleep(0)

    with pytest.raises(Throttled):  # a fifth waiter behind one slot: deferred, not queued
        await asyncio.wait_for(_send(throttle, "http://crm.test/", concurrency=1), timeout=1)

    release.set()
    await asyncio.gather(holder, *waiters)


async def _send(throttle: TargetThrottle, url: str, concurrency: int) -> None:
    async with throttle.slot(url, per_second=None, concurrency=concurrency):
        pass


@pytest.mark.parametrize(
    ("url", "origin"),
    [
        ("https://API.crm.test/v1?x=1", "https://api.crm.test:443"),
        ("http://crm.test:8080/a", "http://crm.test:8080"),
        ("http://crm.test/a", "http://crm.test:80"),
    ],
)
def test_limits_are_shared_by_scheme_host_and_port(url: str, origin: str) -> None:
    assert origin_of(url) == origin
