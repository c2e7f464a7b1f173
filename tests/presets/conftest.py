"""Fixtures of the preset tests; the loopback target comes from tests/support/fixtures.py."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest_asyncio

from server.delivery import ClientSettings, create_client_session


@pytest_asyncio.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    """The outbound session as the server creates it."""
    client = create_client_session(ClientSettings())
    try:
        yield client
    finally:
        await client.close()
