"""Endpoints and credentials can be saved while the event writer is committing under load.

(On SQLite a read-then-write transaction fails with "database is locked" whenever another
connection commits in between; the queries must not use one.)
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from server.store import queries
from server.store.writer import EventWriter, NewEvent

pytestmark = pytest.mark.postgres

MakeEvent = Callable[..., NewEvent]


async def test_saving_while_events_are_written_never_fails(
    writer: EventWriter, make_event: MakeEvent
) -> None:
    saving = True

    async def write_events() -> None:
        while saving:
            await writer.record_event(make_event())

    load = [asyncio.create_task(write_events()) for _ in range(16)]
    try:
        for n in range(30):
            await queries.save_endpoint("shop", "Shop", {"n": n}, enabled=True)
            await queries.save_credential("crm", "bearer", {}, {"token": str(n)})
    finally:
        saving = False
        await asyncio.gather(*load)

    shop = await queries.endpoint_by_key("shop")
    assert shop is not None
    assert (shop.revision, shop.document) == (31, {"n": 29})
    assert writer.transactions > 0
