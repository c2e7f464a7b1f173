"""A sync endpoint keeps the platform waiting at most its deadline; the delivery goes on."""

from __future__ import annotations

import httpx
import pytest
from queue_support import listener, settled_statuses
from support.target import Answer, Target

from server.store.models import Event

pytestmark = pytest.mark.postgres


async def test_a_slow_target_gets_202_at_the_deadline_and_is_delivered_after(
    client: httpx.AsyncClient, target: Target
) -> None:
    target.route("POST", "/c", Answer(status=201, json={"id": "late"}, delay=1.5))
    hook = await listener(f"{target.url}/c", response="sync", deadline=0.3)

    answer = await client.post(hook, data={"transactionid": "slow-1", "contact[email]": "a@b.c"})

    assert answer.status_code == 202
    assert "did not answer within 0.3 s" in answer.json()["detail"]
    assert await settled_statuses(1) == {"delivered": 1}
    event = await Event.get()
    assert event.answer_body == {"crm_id": "late"}
    assert len(target.requests) == 1
