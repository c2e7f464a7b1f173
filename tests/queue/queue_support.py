"""Helpers for the delivery-queue tests: send contacts, wait for the queue to settle."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from typing import Any

import httpx
import msgspec

from server.imports import import_documents
from server.mapping.spec import MappingDocument
from server.store.models import Event

# Long enough for a loaded machine; a queue that has not settled by then is stuck.
DEADLINE_SECONDS = 60.0


async def send_contacts(client: httpx.AsyncClient, hook: str, count: int) -> Counter[int]:
    """Post ``count`` contacts (transactionid ``t-<n>``); how many got each status."""
    answers: Counter[int] = Counter()
    for number in range(count):
        answer = await client.post(
            hook, data={"transactionid": f"t-{number}", "contact[email]": f"c{number}@x.test"}
        )
        answers[answer.status_code] += 1
    return answers


async def settled_statuses(expected: int) -> Counter[str]:
    """The events' statuses once none is queued any more (received or pending)."""
    deadline = time.monotonic() + DEADLINE_SECONDS
    while True:
        statuses = Counter(await Event.all().values_list("status", flat=True))
        queued = statuses["received"] + statuses["pending"]
        if sum(statuses.values()) >= expected and not queued:
            return statuses
        if time.monotonic() > deadline:
            raise AssertionError(f"the queue did not settle: {dict(statuses)}")
        await asyncio.sleep(0.05)


async def listener(
    url: str, *, response: str = "async", limits: dict[str, Any] | None = None, **endpoint: Any
) -> str:
    """An endpoint sending each contact's email and transactionid to ``url`` (with the
    request's ``limits``, if given); its hook path."""
    document = {
        "switchboard": 1,
        "endpoint": {"name": f"Queue {response}", "response": response, **endpoint},
        "actions": [
            {
                "name": "create",
                "request": {"url": url, "timeout": 2} | ({"limits": limits} if limits else {}),
                "fields": {
                    "email": {"from": "$.body.contact.email"},
                    "transactionid": {"from": "$.body.transactionid"},
                },
                "response": {"crm_id": "$.id"},
            }
        ],
    }
    [result] = await import_documents([msgspec.convert(document, MappingDocument)])
    return f"/hooks/{result.token}"
