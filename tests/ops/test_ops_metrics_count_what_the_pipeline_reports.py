"""/metrics serves Prometheus' text format, and the counters move by what the pipeline reports."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import httpx
import pytest
from ops_support import samples
from prometheus_client.parser import text_string_to_metric_families

from server import metrics

FAMILIES = {
    "switchboard_events_received": "counter",
    "switchboard_deliveries": "counter",
    "switchboard_attempt_seconds": "histogram",
    "switchboard_queue_depth": "gauge",
    "switchboard_oldest_pending_seconds": "gauge",
}


async def test_every_family_parses_with_its_type(client: httpx.AsyncClient) -> None:
    response = await client.get("/metrics")

    assert response.status_code == 200
    assert response.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8"
    assert "set-cookie" not in response.headers
    families = {f.name: f.type for f in text_string_to_metric_families(response.text)}
    assert families.items() >= FAMILIES.items()


async def test_counters_and_the_histogram_move_by_the_reported_amounts(
    client: httpx.AsyncClient,
) -> None:
    endpoint = f"shop-{uuid.uuid4().hex[:8]}"  # the registry outlives each test's app

    for _ in range(3):
        metrics.event_received(endpoint)
    metrics.delivery_finished(endpoint, "delivered")
    metrics.delivery_finished(endpoint, "delivered")
    metrics.delivery_finished(endpoint, "retry_scheduled")
    metrics.attempt_finished(endpoint, "success", 0.2)
    metrics.attempt_finished(endpoint, "failed", 7.0)

    found = samples((await client.get("/metrics")).text)
    label = ("endpoint", endpoint)
    assert found["switchboard_events_received_total", (label,)] == 3
    assert found["switchboard_deliveries_total", (label, ("outcome", "delivered"))] == 2
    assert found["switchboard_deliveries_total", (label, ("outcome", "retry_scheduled"))] == 1
    assert ("switchboard_deliveries_total", (label, ("outcome", "failed"))) not in found
    success = (label, ("outcome", "success"))
    assert found["switchboard_attempt_seconds_count", success] == 1
    assert found["switchboard_attempt_seconds_sum", success] == pytest.approx(0.2)
    assert found["switchboard_attempt_seconds_bucket", (label, ("le", "0.1"), success[1])] == 0
    assert found["switchboard_attempt_seconds_bucket", (label, ("le", "0.25"), success[1])] == 1
    failed = (label, ("outcome", "failed"))
    assert found["switchboard_attempt_seconds_bucket", (label, ("le", "5.0"), failed[1])] == 0
    assert found["switchboard_attempt_seconds_bucket", (label, ("le", "10.0"), failed[1])] == 1


@pytest.mark.parametrize(
    "report",
    [
        lambda: metrics.delivery_finished("shop", "success"),
        lambda: metrics.attempt_finished("shop", "delivered", 0.1),
    ],
    ids=["delivery", "attempt"],
)
def test_an_unknown_outcome_is_refused_rather_than_made_a_series(
    report: Callable[[], None],
) -> None:
    with pytest.raises(ValueError, match="unknown outcome"):
        report()
