"""Helpers the deliveries tests share: sending contacts to a listener and reading the log."""

from __future__ import annotations

import re
from urllib.parse import urlencode

import httpx

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
EVENT_LINK = re.compile(r'href="/events/([0-9a-f-]{36})"')


async def send_contact(
    client: httpx.AsyncClient, listener: str, email: str, transactionid: str
) -> httpx.Response:
    """POST one contact to the listener as the platform's form post."""
    body = urlencode({"transactionid": transactionid, "contact[email]": email})
    response = await client.post(listener, content=body, headers=FORM)
    assert response.status_code in (200, 502), response.text
    return response


def event_ids(html: str) -> list[str]:
    """The events a log page (or its partial) links to, in the order shown."""
    return EVENT_LINK.findall(html)
