"""pytest fixtures for the loopback target server (see target.py).

Loaded for the whole suite from tests/conftest.py with ``pytest_plugins = ["support.fixtures"]``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
import pytest_asyncio
from support.target import Target


@pytest_asyncio.fixture
async def target() -> AsyncIterator[Target]:
    """A target server running in the test's event loop."""
    server = Target()
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
def threaded_target() -> Iterator[Target]:
    """A target server on its own thread and loop, for synchronous tests and server subprocesses."""
    server = Target()
    server.start_in_thread()
    try:
        yield server
    finally:
        server.stop_thread()
