"""A running Switchboard app (real database, real pipeline) for listener tests."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import msgspec
import pytest
import pytest_asyncio
from support.app import served

from server.imports import import_documents
from server.mapping.payload import Limits
from server.mapping.spec import MappingDocument
from server.settings import Settings
from server.store import queries

ImportMapping = Callable[..., Awaitable[str]]


@pytest.fixture
def limits() -> Limits:
    """The inbound limits the app runs with (a test module may override this fixture)."""
    return Limits()


@pytest.fixture
def settings(tmp_path: Path, database_url: str, limits: Limits) -> Settings:
    # One delivery per event: retries have their own tests (tests/queue/).
    return Settings(
        data_dir=tmp_path,
        database_url=database_url,
        limits=limits,
        mapping_refresh_seconds=0,
        retry_schedule=(),
    )


@pytest_asyncio.fixture
async def client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with served(settings) as client:
        yield client


@pytest.fixture
def import_mapping(client: httpx.AsyncClient) -> ImportMapping:
    """Import one mapping document (as a dict) and return its listener path."""

    async def run(document: dict[str, Any], **secrets: dict[str, str]) -> str:
        document = {"switchboard": 1, **document}
        [result] = await import_documents([msgspec.convert(document, MappingDocument)])
        for name, secret in secrets.items():
            declared = document["credentials"][name]
            options = {"name": declared["name"]} if declared.get("name") else {}
            await queries.save_credential(name, declared["type"], options, secret)
        return f"/hooks/{result.token}"

    return run
