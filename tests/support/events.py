"""Events written straight into the store, in any state, for tests about what is stored."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from server.store.models import Event


async def stored_event(
    endpoint_id: Any, status: str, received_at: datetime, **columns: Any
) -> Event:
    """A form-posted event of Ada (ada@example.com) in ``status``; ``columns`` set the rest."""
    return await Event.create(
        endpoint_id=endpoint_id,
        received_at=received_at,
        method="POST",
        content_type="application/x-www-form-urlencoded",
        query_string="",
        raw_body=b"contact[email]=ada%40example.com",
        payload={"query": {}, "body": {"contact": {"email": "ada@example.com"}}},
        body_format="form",
        payload_hash="0" * 64,
        status=status,
        **columns,
    )
