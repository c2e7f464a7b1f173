"""Migration 0004 (the delivery queue) on a database an earlier release filled."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from support.schema_history import execute, migrate_to

from server.store.db import backend_of, migrate, open_database
from server.store.models import Event
from server.store.queue import lease_due

pytestmark = pytest.mark.postgres


async def test_old_events_keep_their_state_and_are_not_queued(database_url: str) -> None:
    await migrate_to(database_url, "0003_endpoint_sample")
    endpoint_id, now = uuid.uuid4(), datetime.now(UTC)
    stamp: object = now.isoformat(" ") if backend_of(database_url) == "sqlite" else now
    await execute(
        database_url,
        "INSERT INTO endpoint (id, key, name, token, enabled, document, revision, created_at, "
        "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        str(endpoint_id),
        "old",
        "Old",
        "t" * 32,
        True,
        '{"switchboard":1,"endpoint":{"name":"Old"}}',
        1,
        stamp,
        stamp,
    )
    for status in ("delivered", "received"):
        await execute(
            database_url,
            "INSERT INTO event (id, endpoint_id, received_at, method, content_type, "
            "query_string, raw_body, payload, body_format, payload_hash, flags, status) "
            "VALUES (?, ?, ?, 'POST', '', '', ?, '{}', 'form', 'h', '[]', ?)",
            str(uuid.uuid4()),
            str(endpoint_id),
            stamp,
            b"",
            status,
        )

    assert await migrate(database_url) == ["0004_delivery_queue"]

    async with open_database(database_url):
        events = await Event.all().order_by("status")
        assert [(e.status, e.tries, e.next_attempt_at) for e in events] == [
            ("delivered", 0, None),
            ("received", 0, None),
        ]
        assert await lease_due("me", 60, 10) == []
