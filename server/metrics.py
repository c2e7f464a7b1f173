"""Prometheus metrics: what the pipeline counts as it works, and the backlog read at scrape time.

The pipeline calls :func:`event_received`, :func:`delivery_finished` and
:func:`attempt_finished` on its hot path; each is a dictionary lookup and an increment (the
labelled series are made once, on first use). ``GET /metrics`` (:func:`exposition`) adds two
gauges read from the database with one aggregate query per scrape.

The metrics live in a registry of their own, not prometheus_client's global one, so that
importing this module twice or building many apps in one process (the tests do) registers
nothing twice. The only label besides the outcome is the endpoint's key, which is bounded by
the endpoints configured: never a value from a payload.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any, TypeVar

from prometheus_client import CollectorRegistry, Counter, Histogram, disable_created_metrics
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4, generate_latest
from prometheus_client.metrics_core import GaugeMetricFamily, Metric

from server.store import stats

log = logging.getLogger(__name__)

CONTENT_TYPE = CONTENT_TYPE_PLAIN_0_0_4
# How an event's delivery ended: the answer was delivered, it failed for good, it repeated an
# earlier event, a retry was scheduled for later, or a target's limits held it back for later.
DELIVERY_OUTCOMES = frozenset({"delivered", "failed", "duplicate", "retry_scheduled", "throttled"})
# How one try of one action ended (the attempt's ``outcome`` column).
ATTEMPT_OUTCOMES = frozenset({"success", "failed", "skipped"})
# Seconds: from a local target's few milliseconds up to the slowest timeout an action may set.
ATTEMPT_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)

# No ``*_created`` series beside each counter: they double the output and nobody graphs them.
disable_created_metrics()  # type: ignore[no-untyped-call]
REGISTRY = CollectorRegistry(auto_describe=True)
EVENTS_RECEIVED = Counter(
    "switchboard_events_received",
    "Events stored by the listener.",
    ["endpoint"],
    registry=REGISTRY,
)
DELIVERIES = Counter(
    "switchboard_deliveries",
    "Event deliveries that ended, by outcome (delivered, failed, duplicate, retry_scheduled, "
    "throttled).",
    ["endpoint", "outcome"],
    registry=REGISTRY,
)
ATTEMPT_SECONDS = Histogram(
    "switchboard_attempt_seconds",
    "How long one try of one action took, by outcome (success, failed, skipped).",
    ["endpoint", "outcome"],
    buckets=ATTEMPT_BUCKETS,
    registry=REGISTRY,
)

# The labelled series already made, so the hot path never builds label tuples again.
_received: dict[str, Counter] = {}
_deliveries: dict[str, dict[str, Counter]] = {}
_attempts: dict[str, dict[str, Histogram]] = {}
_NONE_YET: Mapping[str, Any] = MappingProxyType({})

Series = TypeVar("Series", Counter, Histogram)


def event_received(endpoint_key: str) -> None:
    """Count one event stored for the endpoint (call once the event is committed)."""
    series = _received.get(endpoint_key)
    if series is None:
        series = _received[endpoint_key] = EVENTS_RECEIVED.labels(endpoint_key)
    series.inc()


def delivery_finished(endpoint_key: str, outcome: str) -> None:
    """Count one delivery that ended with ``outcome`` (one of :data:`DELIVERY_OUTCOMES`)."""
    series = _deliveries.get(endpoint_key, _NONE_YET).get(outcome)
    if series is None:
        _check_outcome(outcome, DELIVERY_OUTCOMES)
        series = _made(_deliveries, endpoint_key, outcome, DELIVERIES)
    series.inc()


def attempt_finished(endpoint_key: str, outcome: str, seconds: float) -> None:
    """Record how long one try of one action took (``outcome``: :data:`ATTEMPT_OUTCOMES`)."""
    series = _attempts.get(endpoint_key, _NONE_YET).get(outcome)
    if series is None:
        _check_outcome(outcome, ATTEMPT_OUTCOMES)
        series = _made(_attempts, endpoint_key, outcome, ATTEMPT_SECONDS)
    series.observe(seconds)


def _check_outcome(outcome: str, known: frozenset[str]) -> None:
    """Outcomes are a fixed set (each is a series): an unknown one is a bug, said at once."""
    if outcome not in known:
        raise ValueError(f"unknown outcome {outcome!r}: expected one of {sorted(known)}")


def _made(
    made: dict[str, dict[str, Series]], endpoint_key: str, outcome: str, metric: Series
) -> Series:
    series: Series = metric.labels(endpoint_key, outcome)
    made.setdefault(endpoint_key, {})[outcome] = series
    return series


async def exposition() -> bytes:
    """Every metric in Prometheus' text format, with the backlog gauges read now.

    When the database does not answer, the gauges are left out and the counters still served:
    ``/readyz`` is the place that reports the database.
    """
    try:
        queue = await stats.queue_depth()
    except Exception as error:
        log.warning("metrics: the delivery backlog could not be read: %s", error)
        return generate_latest(REGISTRY)
    return generate_latest(REGISTRY) + generate_latest(_Gauges(_backlog_gauges(queue)))


def _backlog_gauges(queue: stats.QueueDepth) -> list[Metric]:
    oldest = 0.0
    if queue.oldest_received_at is not None:
        oldest = max(0.0, (datetime.now(UTC) - queue.oldest_received_at).total_seconds())
    return [
        GaugeMetricFamily(
            "switchboard_queue_depth",
            "Events waiting to be delivered (received or pending a retry).",
            value=queue.waiting,
        ),
        GaugeMetricFamily(
            "switchboard_oldest_pending_seconds",
            "Age of the oldest event waiting to be delivered; 0 when none waits.",
            value=oldest,
        ),
    ]


class _Gauges:
    """Metrics computed for one scrape, in the shape ``generate_latest`` reads."""

    def __init__(self, metrics: list[Metric]) -> None:
        self.metrics = metrics

    def collect(self) -> Iterable[Metric]:
        return self.metrics
