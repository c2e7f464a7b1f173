"""Each kind of target trouble ends in the documented state, after the documented retries."""

from __future__ import annotations

import httpx
import pytest
from queue_support import listener, send_contacts, settled_statuses
from support.target import Answer, Target, closed_port, garbage, too_many_requests

from server.store.models import Attempt, Event

pytestmark = pytest.mark.postgres

RETRIES = [0, 0.05]


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        (Answer(json={"id": 1}, delay=5.0), "did not answer"),
        (garbage(), ""),
        (Answer(status=502, json={"message": "bad gateway"}), ""),
    ],
    ids=["hangs", "garbage", "5xx"],
)
async def test_trouble_worth_retrying_is_retried_then_failed(
    client: httpx.AsyncClient, target: Target, answer: Answer, error: str
) -> None:
    target.route("POST", "/c", answer)
    hook = await listener(f"{target.url}/c", retries=RETRIES, response="async")

    await send_contacts(client, hook, 1)

    assert await settled_statuses(1) == {"failed": 1}
    attempts = await Attempt.all().order_by("attempt_no")
    assert [attempt.attempt_no for attempt in attempts] == [1, 2, 3]
    assert all(attempt.outcome == "failed" for attempt in attempts)
    assert error in (attempts[-1].error or "")


async def test_a_refused_connection_is_retried_then_failed(client: httpx.AsyncClient) -> None:
    hook = await listener(f"http://127.0.0.1:{closed_port()}/c", retries=RETRIES)

    await send_contacts(client, hook, 1)

    assert await settled_statuses(1) == {"failed": 1}
    assert await Attempt.filter(outcome="failed").count() == 3


async def test_429_waits_as_long_as_retry_after_asks(
    client: httpx.AsyncClient, target: Target
) -> None:
    target.route("POST", "/c", too_many_requests(retry_after=1), Answer(status=201, json={"id": 7}))
    hook = await listener(f"{target.url}/c", retries=RETRIES)

    await send_contacts(client, hook, 1)

    assert await settled_statuses(1) == {"delivered": 1}
    first, second = await Attempt.all().order_by("attempt_no")
    assert first.response_status == 429
    # The schedule says "at once"; the target asked for a second, and got it.
    assert (second.started_at - first.started_at).total_seconds() >= 0.95
    event = await Event.get()
    assert event.answer_body == {"crm_id": 7}
    assert event.tries == 2
