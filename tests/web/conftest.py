"""A running Switchboard app (real database, real pipeline) for listener tests."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import msgspec
import pytest
import pytest_asyncio
from litestar.testing import AsyncTestClient

from server.app import create_app
from server.imports import import_documents
from server.mapping.spec import MappingDocument
from server.settings import Settings
from server.store import queries

ImportMapping = Callable[..., Awaitable[str]]


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(data_dir=tmp_path, database_url=database_url, mapping_refresh_seconds=0)


@pytest_asyncio.fixture
async def client(settings: Settings) -> AsyncIterator[AsyncTestClient[Any]]:
    async with AsyncTestClient(app=create_app(settings)) as client:
        yield client


@pytest.fixture
def import_mapping(client: AsyncTestClient[Any]) -> ImportMapping:
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
