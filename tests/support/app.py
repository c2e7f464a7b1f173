"""A Switchboard app served for real, in the test's own event loop."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import uvicorn
from litestar import Litestar

from server.app import create_app
from server.settings import Settings


@asynccontextmanager
async def served(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """The app for ``settings`` served on a free loopback port, with a client for it."""
    async with served_app(create_app(settings)) as client:
        yield client


@asynccontextmanager
async def served_app(app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    """``app`` served by uvicorn on a free loopback port, with a client for it.

    Litestar's test client runs the app on another thread's event loop, where the test
    could not share the database connection; this runs it in the test's loop.
    """
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
            raise RuntimeError("the server stopped before it started")
        await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            yield client
    finally:
        server.should_exit = True
        await task
