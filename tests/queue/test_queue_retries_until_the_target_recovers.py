"""A target that fails for a while, then recovers: every accepted contact reaches it once."""

from __future__ import annotations

import httpx
import pytest
from queue_support import listener, send_contacts, settled_statuses
from support.target import Answer, ReceivedRequest, Target

from server.store.models import Attempt

pytestmark = pytest.mark.postgres

CONTACTS = 40


class Outage:
    """500 for the first ``failures`` requests, then 201: a CRM having a bad minute."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.delivered: list[str] = []

    def __call__(self, request: ReceivedRequest) -> Answer:
        if self.failures > 0:
            self.failures -= 1
            return Answer(status=500, json={"message": "try later"})
        self.delivered.append(str(request.json["transactionid"]))
        return Answer(status=201, json={"id": "crm-1"})


@pytest.mark.parametrize("response", ["async", "sync"])
async def test_every_acknowledged_contact_is_delivered_once_after_an_outage(
    client: httpx.AsyncClient, target: Target, response: str
) -> None:
    outage = Outage(failures=60)
    target.route("POST", "/c", outage)
    hook = await listener(
        f"{target.url}/c", response=response, retries=[0, 0.05, 0.1, 0.2, 0.3, 0.5, 1]
    )

    answers = await send_contacts(client, hook, CONTACTS)

    statuses = await settled_statuses(CONTACTS)
    acknowledged = answers[202] + answers[200]
    assert statuses == {"delivered": CONTACTS}
    assert sorted(outage.delivered) == sorted(f"t-{n}" for n in range(CONTACTS))  # none twice
    if response == "async":
        assert acknowledged == CONTACTS
    else:  # the platform saw the failures it waited for, and the retries fixed them later
        assert answers[502] > 0
    assert await Attempt.filter(outcome="failed").count() == 60


async def test_a_delivery_that_keeps_failing_ends_failed_after_the_last_retry(
    client: httpx.AsyncClient, target: Target
) -> None:
    target.route("POST", "/c", status=503, json={"message": "down"})
    hook = await listener(f"{target.url}/c", retries=[0, 0.05, 0.05])

    await send_contacts(client, hook, 1)

    assert await settled_statuses(1) == {"failed": 1}
    assert len(target.requests) == 4  # the first try and three retries
    assert await Attempt.filter(outcome="failed").count() == 4


async def test_a_4xx_other_than_429_is_not_retried(
    client: httpx.AsyncClient, target: Target
) -> None:
    target.route("POST", "/c", status=422, json={"message": "bad email"})
    hook = await listener(f"{target.url}/c", retries=[0, 0.05, 0.05])

    await send_contacts(client, hook, 1)

    assert await settled_statuses(1) == {"failed": 1}
    assert len(target.requests) == 1
