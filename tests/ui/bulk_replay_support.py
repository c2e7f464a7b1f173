"""Helpers the bulk-replay tests share: endpoints whose actions reach the target, and jobs."""

from __future__ import annotations

import asyncio
import html
import re
from typing import Any

import httpx
from support.target import Answer, ReceivedRequest, Target

from server.store import queries

# Long enough for a loaded machine; a job that has not ended by then is stuck.
DEADLINE_SECONDS = 60.0
STATE = re.compile(r'data-state="([a-z]+)"')
COUNTS = re.compile(r'<p id="replay-counts">([^<]*)</p>')


def create_action(target: Target) -> list[dict[str, Any]]:
    """One action sending the contact's email and transactionid to the target's ``/c``."""
    return [
        {
            "name": "create",
            "request": {"url": f"{target.url}/c"},
            "fields": {
                "email": {"from": "$.body.contact.email"},
                "transactionid": {"from": "$.body.transactionid"},
            },
            "response": {"crm_id": "$.id"},
        }
    ]


class Switch:
    """A target answer that fails (500) or succeeds (201) as the test says, or waits."""

    def __init__(self) -> None:
        self.failing = True
        self.failing_ids: set[str] = set()
        self.released = asyncio.Event()
        self.released.set()

    def hold(self) -> None:
        """Answer nothing until :meth:`release`."""
        self.released.clear()

    def release(self) -> None:
        self.released.set()

    async def __call__(self, request: ReceivedRequest) -> Answer:
        await self.released.wait()
        if self.failing or request.transactionid in self.failing_ids:
            return Answer(status=500, json={"message": "down"})
        return Answer(status=201, json={"id": "crm-1"})


async def send(client: httpx.AsyncClient, listener: str, transactionid: str) -> None:
    """POST one contact (its email made from the transactionid) to the listener."""
    email = f"{transactionid}@example.com"
    response = await client.post(
        listener, data={"transactionid": transactionid, "contact[email]": email}
    )
    assert response.status_code in (200, 502), response.text


async def endpoint_key(name: str) -> str:
    [endpoint] = [row for row in await queries.list_endpoints() if row.name == name]
    return endpoint.key


async def start(client: httpx.AsyncClient, token: str, **fields: str) -> str:
    """Confirm a replay as a plain form does; the job's page URL."""
    response = await client.post("/replays", data={"_csrf_token": token, **fields})
    assert response.status_code == 303, response.text
    return response.headers["location"]


async def wait_until_ended(client: httpx.AsyncClient, job_url: str) -> str:
    """Read the job's page until it says the job has ended; that page."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + DEADLINE_SECONDS
    while True:
        page = await client.get(job_url)
        assert page.status_code == 200, page.text
        if state_of(page.text) in ("finished", "cancelled"):
            return page.text
        assert loop.time() < deadline, f"the replay did not end: {counts_of(page.text)}"
        await asyncio.sleep(0.05)


def state_of(page: str) -> str:
    found = STATE.search(page)
    assert found is not None, page
    return found.group(1)


def counts_of(page: str) -> str:
    found = COUNTS.search(page)
    assert found is not None, page
    return html.unescape(found.group(1))
