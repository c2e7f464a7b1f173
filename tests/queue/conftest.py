"""A served Switchboard whose worker retries quickly, for the delivery-queue tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import msgspec
import pytest
import pytest_asyncio
from support.app import served

from server.imports import import_documents
from server.mapping.spec import MappingDocument
from server.settings import Settings


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(
        data_dir=tmp_path,
        database_url=database_url,
        mapping_refresh_seconds=0,
        queue_poll_seconds=0.05,
    )


@pytest_asyncio.fixture
async def client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with served(settings) as client:
        yield client


async def listener(url: str, *, response: str = "async", **endpoint: Any) -> str:
    """An endpoint sending each contact's email and transactionid to ``url``; its hook path."""
    document = {
        "switchboard": 1,
        "endpoint": {"name": f"Queue {response}", "response": response, **endpoint},
        "actions": [
            {
                "name": "create",
                "request": {"url": url, "timeout": 2},
                "fields": {
                    "email": {"from": "$.body.contact.email"},
                    "transactionid": {"from": "$.body.transactionid"},
                },
                "response": {"crm_id": "$.id"},
            }
        ],
    }
    [result] = await import_documents([msgspec.convert(document, MappingDocument)])
    return f"/hooks/{result.token}"
