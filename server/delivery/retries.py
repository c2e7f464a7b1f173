"""When a failed delivery is tried again: which failures are worth it, and after how long.

Worth another try: no answer at all (connection refused or reset, timeout), 429 Too Many
Requests and 5xx. Not worth it: any other 4xx (the request itself is wrong, and sending it
again would fail the same way). The delays follow a schedule (by default: at once, 10 s,
1 min, 10 min, 1 h, 6 h, 24 h), each spread by ±20 % jitter so that a crowd of events that
failed together does not return together; a ``Retry-After`` the target sent is honoured
when it asks for longer.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

# Seconds to wait before each retry; after the last one the event is failed.
DEFAULT_SCHEDULE: tuple[float, ...] = (0, 10, 60, 600, 3600, 6 * 3600, 24 * 3600)
JITTER = 0.2
# A Retry-After longer than this is capped (a target asking for a week is not waited for).
MAX_RETRY_AFTER = 24 * 3600.0


def worth_retrying(status: int | None) -> bool:
    """Whether a failure with this HTTP status (None: no answer at all) may succeed later."""
    return status is None or status == 429 or status >= 500


def retry_after(headers: Mapping[str, str], now: datetime | None = None) -> float | None:
    """The seconds a ``Retry-After`` header asks for (a number or an HTTP date), if any."""
    value = headers.get("retry-after", "").strip()
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            moment = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        seconds = (moment - (now or datetime.now(UTC))).total_seconds()
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)


def next_delay(
    schedule: Sequence[float],
    retries_done: int,
    asked: float | None = None,
    rng: random.Random | None = None,
) -> float | None:
    """Seconds until the next try after ``retries_done`` retries; None when none is left."""
    if retries_done >= len(schedule):
        return None
    planned = schedule[retries_done] * (1 + (rng or random).uniform(-JITTER, JITTER))
    return max(planned, asked or 0.0)
