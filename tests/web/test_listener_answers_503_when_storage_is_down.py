"""When the event cannot be stored, the listener says so (503, Retry-After) and sends nothing."""

from __future__ import annotations

import msgspec
import pytest
from support.app import served_app
from support.target import Target

from server.app import create_app
from server.imports import import_documents
from server.mapping.spec import MappingDocument
from server.settings import Settings

pytestmark = pytest.mark.postgres


async def test_an_event_that_cannot_be_stored_is_not_acknowledged(
    settings: Settings, target: Target
) -> None:
    app = create_app(settings)
    async with served_app(app) as client:
        document = {
            "switchboard": 1,
            "endpoint": {"name": "Down"},
            "actions": [{"name": "send", "request": {"url": f"{target.url}/c"}}],
        }
        [result] = await import_documents([msgspec.convert(document, MappingDocument)])
        await app.state.pipeline.writer.close()

        response = await client.post(f"/hooks/{result.token}", data={"contact[email]": "a@b.c"})

    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert response.json()["error"] == "storage_unavailable"
    assert "X-Switchboard-Event" not in response.headers
    assert target.requests == []
