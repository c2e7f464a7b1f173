"""A served Switchboard (real database, real pipeline) for the UI's HTTP-level tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import msgspec
import pytest
import pytest_asyncio
from support.app import served
from ui_support import CreateEndpoint

from server.imports import import_documents
from server.mapping.spec import MappingDocument
from server.settings import Settings


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    # One delivery per event: retries have their own tests (tests/queue/).
    return Settings(
        data_dir=tmp_path, database_url=database_url, mapping_refresh_seconds=0, retry_schedule=()
    )


@pytest_asyncio.fixture
async def client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with served(settings) as client:
        yield client


@pytest.fixture
def create_endpoint(client: httpx.AsyncClient) -> CreateEndpoint:
    """Import an endpoint (``name`` plus any other document parts); returns its listener path."""

    async def run(name: str, **document: Any) -> str:
        full = {"switchboard": 1, "endpoint": {"name": name}, **document}
        [result] = await import_documents([msgspec.convert(full, MappingDocument)])
        return f"/hooks/{result.token}"

    return run
