from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest_asyncio

from server.delivery import ClientSettings, create_client_session

SETTINGS = ClientSettings()


@pytest_asyncio.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    """The session as the server creates it."""
    client = create_client_session(SETTINGS)
    try:
        yield client
    finally:
        await client.close()
