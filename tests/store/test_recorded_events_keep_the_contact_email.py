"""The writer keeps the contact's email beside the event, so the deliveries log can find it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from server.store.writer import EventWriter, NewEvent

pytestmark = pytest.mark.postgres

ReadElsewhere = Callable[..., Awaitable[list[dict[str, Any]]]]
MakeEvent = Callable[..., NewEvent]


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ({"query": {}, "body": {"contact": {"email": " Ada@Example.COM "}}}, "ada@example.com"),
        ({"query": {"email": "q@example.com"}, "body": {"contact": {}}}, "q@example.com"),
        (
            {"query": {"email": "q@example.com"}, "body": {"contact": {"email": "b@x.io"}}},
            "b@x.io",
        ),
        ({"query": {}, "body": {"contact": {"email": ["a@b.c"]}}}, None),
        ({"query": {}, "body": {"contact": "a@b.c"}}, None),
        ({"query": {}, "body": {"contact": {"email": "   "}}}, None),
        ({"query": {}, "body": {}}, None),
        ({"query": {}, "body": {"contact": {"email": "x" * 300}}}, "x" * 255),
    ],
)
async def test_the_contact_email_is_stored_lower_cased_from_the_body_or_the_query(
    writer: EventWriter,
    make_event: MakeEvent,
    read_elsewhere: ReadElsewhere,
    payload: dict[str, Any],
    expected: str | None,
) -> None:
    stored = await writer.record_event(make_event(payload=payload))

    [row] = await read_elsewhere("SELECT contact_email FROM event WHERE id = ?", stored.id)

    assert row["contact_email"] == expected
