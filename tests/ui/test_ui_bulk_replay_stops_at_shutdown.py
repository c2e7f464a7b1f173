"""``stop_replays`` (for the app's shutdown) stops running replays before the pipeline closes."""

from __future__ import annotations

import msgspec
import pytest
from bulk_replay_support import Switch, create_action, send, start, state_of
from support.app import served_app
from support.target import Target
from ui_support import csrf_token

from server.app import create_app
from server.imports import import_documents
from server.mapping.spec import MappingDocument
from server.settings import Settings
from server.web.replays import stop_replays

pytestmark = pytest.mark.postgres


async def test_stopping_the_replays_cuts_the_running_one_short(
    settings: Settings, target: Target
) -> None:
    switch = Switch()
    target.route("POST", "/c", switch)
    app = create_app(settings)
    async with served_app(app) as client:
        listener = await endpoint_listener(target)
        for number in range(6):
            await send(client, listener, f"x-{number}")
        switch.failing = False
        switch.hold()
        try:
            job_url = await start(client, await csrf_token(client), status="failed")
            await target.wait_for_requests(6 + 4, within=60)

            await stop_replays(app.state)
            page = await client.get(job_url)
        finally:
            switch.release()

    assert state_of(page.text) == "cancelled"
    assert "0 of 6 replayed" in page.text
    assert len(target.requests) == 6 + 4


async def endpoint_listener(target: Target) -> str:
    document = {
        "switchboard": 1,
        "endpoint": {"name": "Shut down"},
        "actions": create_action(target),
    }
    [result] = await import_documents([msgspec.convert(document, MappingDocument)])
    return f"/hooks/{result.token}"


async def test_stopping_with_no_replay_ever_started_does_nothing(settings: Settings) -> None:
    app = create_app(settings)
    async with served_app(app) as client:
        await stop_replays(app.state)
        assert (await client.get("/healthz")).status_code == 200
