"""Which failures are retried, after how long, and how Retry-After is read."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest

from server.delivery.retries import (
    DEFAULT_SCHEDULE,
    MAX_RETRY_AFTER,
    next_delay,
    retry_after,
    worth_retrying,
)


@pytest.mark.parametrize(
    ("status", "worth"),
    [(None, True), (429, True), (500, True), (503, True), (400, False), (401, False), (404, False)],
)
def test_only_silence_429_and_5xx_are_worth_retrying(status: int | None, worth: bool) -> None:
    assert worth_retrying(status) is worth


NOW = datetime(2026, 11, 23, 12, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("", None),
        ("7", 7.0),
        ("-3", 0.0),
        ("Mon, 23 Nov 2026 12:00:30 GMT", 30.0),
        ("next tuesday", None),
        ("999999999", MAX_RETRY_AFTER),
    ],
)
def test_retry_after_reads_seconds_or_a_date(header: str, seconds: float | None) -> None:
    assert retry_after({"retry-after": header} if header else {}, NOW) == seconds


def test_each_delay_follows_the_schedule_within_its_jitter_then_stops() -> None:
    rng = random.Random(7)
    for done, planned in enumerate(DEFAULT_SCHEDULE):
        delay = next_delay(DEFAULT_SCHEDULE, done, rng=rng)
        assert delay is not None
        assert planned * 0.8 <= delay <= planned * 1.2
    assert next_delay(DEFAULT_SCHEDULE, len(DEFAULT_SCHEDULE)) is None
    assert next_delay((), 0) is None


def test_a_longer_retry_after_wins_over_the_schedule() -> None:
    assert next_delay((0, 10), 0, asked=5.0) == 5.0
    delay = next_delay((0, 10), 1, asked=1.0, rng=random.Random(1))
    assert delay is not None
    assert delay >= 8.0
