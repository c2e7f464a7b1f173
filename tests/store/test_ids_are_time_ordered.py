"""Ids are UUIDv7: made by the application, and increasing in the order they were made."""

from __future__ import annotations

import time
import uuid

from server.store.ids import new_id, uuid7


def test_ids_made_in_a_burst_are_strictly_increasing_and_unique() -> None:
    ids = [uuid7() for _ in range(20_000)]

    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)


def test_an_id_is_a_version_7_uuid_carrying_the_current_millisecond() -> None:
    before = time.time_ns() // 1_000_000
    made = uuid.UUID(new_id())
    after = time.time_ns() // 1_000_000

    assert (made.version, made.variant) == (7, uuid.RFC_4122)
    assert before <= made.int >> 80 <= after


def test_new_id_is_the_canonical_string_form() -> None:
    made = new_id()

    assert made == str(uuid.UUID(made))
