"""Retention deletes the finished events received before the limit, with their attempts, and
keeps recent ones and every event still waiting for delivery, however old."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import timedelta

import pytest
from ops_support import attempt_event_ids, event_ids, insert_event, new_endpoint
from support.app import served

from server import retention
from server.retention import RetentionSweeper, running_retention
from server.settings import Settings

pytestmark = pytest.mark.postgres

OLD = timedelta(days=31)
RECENT = timedelta(days=29)
FINISHED = ("delivered", "failed", "duplicate")


async def test_a_sweep_deletes_old_finished_events_and_their_attempts(database: str) -> None:
    endpoint_id = await new_endpoint()
    for status in FINISHED:
        await insert_event(endpoint_id, status, OLD)
    kept = {
        await insert_event(endpoint_id, "received", OLD),
        await insert_event(endpoint_id, "pending", timedelta(days=400)),
        await insert_event(endpoint_id, "delivered", RECENT),
        await insert_event(endpoint_id, "failed", RECENT),
    }

    deleted = await RetentionSweeper(days=30, interval_seconds=3600).sweep()

    assert deleted == 3
    assert await event_ids() == kept
    assert await attempt_event_ids() == kept


async def test_a_large_backlog_goes_in_several_batches(
    database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(retention, "BATCH_SIZE", 2)
    monkeypatch.setattr(retention, "PAUSE_SECONDS", 0)
    endpoint_id = await new_endpoint()
    for _ in range(5):
        await insert_event(endpoint_id, "delivered", OLD)
    kept = await insert_event(endpoint_id, "pending", OLD)

    assert await RetentionSweeper(days=30, interval_seconds=3600).sweep() == 5
    assert await event_ids() == {kept}


async def test_the_server_sweeps_in_the_background_until_it_stops(
    settings: Settings,
) -> None:
    sweeping = dataclasses.replace(settings, retention_days=30, retention_interval_seconds=0.05)
    async with served(sweeping):
        endpoint_id = await new_endpoint()
        expired = await insert_event(endpoint_id, "duplicate", OLD)
        kept = {
            await insert_event(endpoint_id, "delivered", RECENT),
            await insert_event(endpoint_id, "received", OLD),
        }
        for _ in range(400):  # the sweeps come every 0.05 s: wait for one after the inserts
            if expired not in await event_ids():
                break
            await asyncio.sleep(0.05)

        assert await event_ids() == kept


async def test_a_limit_of_zero_days_starts_no_sweeper(settings: Settings) -> None:
    async with running_retention(dataclasses.replace(settings, retention_days=0)) as sweeper:
        assert sweeper is None
