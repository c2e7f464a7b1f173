"""An action's limits hold for its target: spaced starts, few at once, the rest queued."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections import Counter

import httpx
import pytest
from queue_support import listener, settled_statuses
from support.target import Answer, ReceivedRequest, Target

from server.settings import Settings
from server.store.models import Attempt, Event

pytestmark = pytest.mark.postgres

CONTACTS = 8


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # Wait at most 0.1 s for a target's limit, so that most of a burst is queued for later.
    return dataclasses.replace(settings, limit_wait_seconds=0.1)


class Arrivals:
    """Answers 201 and notes when each contact arrived."""

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        self.times: list[float] = []
        self.transactions: list[str] = []

    def __call__(self, request: ReceivedRequest) -> Answer:
        self.times.append(time.monotonic())
        self.transactions.append(str(request.json["transactionid"]))
        return Answer(status=201, json={"id": "crm-1"}, delay=self.delay)

    def most_within(self, seconds: float) -> int:
        """The most arrivals in any window of ``seconds`` (from one arrival on, end excluded)."""
        times = sorted(self.times)
        return max(sum(1 for t in times if start <= t < start + seconds) for start in times)


async def post_at_once(client: httpx.AsyncClient, hook: str, count: int) -> list[httpx.Response]:
    return await asyncio.gather(
        *(
            client.post(hook, data={"transactionid": f"t-{n}", "contact[email]": f"c{n}@x.test"})
            for n in range(count)
        )
    )


async def test_a_burst_goes_out_at_the_rate_and_what_waits_is_queued_not_lost(
    client: httpx.AsyncClient, target: Target
) -> None:
    arrivals = Arrivals()
    target.route("POST", "/c", arrivals)
    hook = await listener(f"{target.url}/c", response="sync", limits={"per_second": 4})

    answers = await post_at_once(client, hook, CONTACTS)

    statuses = await settled_statuses(CONTACTS)
    assert statuses == {"delivered": CONTACTS}
    assert sorted(arrivals.transactions) == sorted(f"t-{n}" for n in range(CONTACTS))
    assert arrivals.most_within(1.0) <= 4
    held_back = [a for a in answers if a.status_code == 202]
    assert held_back, [a.status_code for a in answers]
    assert "was not sent yet" in held_back[0].json()["detail"]
    assert Counter(a.status_code for a in answers)[200] >= 1
    # Being held back is not a try: one try and one attempt per contact.
    assert set(await Event.all().values_list("tries", flat=True)) == {1}
    assert await Attempt.all().count() == CONTACTS


async def test_no_more_requests_are_under_way_than_the_concurrency_allows(
    client: httpx.AsyncClient, target: Target
) -> None:
    arrivals = Arrivals(delay=0.2)
    target.route("POST", "/c", arrivals)
    hook = await listener(f"{target.url}/c", limits={"concurrency": 2})

    answers = await post_at_once(client, hook, CONTACTS)

    assert {a.status_code for a in answers} == {202}
    assert await settled_statuses(CONTACTS) == {"delivered": CONTACTS}
    assert sorted(arrivals.transactions) == sorted(f"t-{n}" for n in range(CONTACTS))
    # Each request is answered 0.2 s after it arrives: a third within 0.2 s means three at once.
    assert arrivals.most_within(0.2) <= 2
