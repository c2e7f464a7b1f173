"""Helpers the Import / export tests share: the two form steps, and the CLI's own export."""

from __future__ import annotations

import asyncio
import os
import re
import sys
from html import unescape

import httpx
from ui_support import csrf_token

from server.settings import Settings

NO_FILE = ("", b"", "application/octet-stream")  # what a browser sends for an empty file input


async def check(
    client: httpx.AsyncClient,
    text: str = "",
    *,
    file: tuple[str, bytes] | None = None,
    htmx: bool = False,
) -> httpx.Response:
    """Step 1, as the form sends it (multipart): the pasted ``text``, or a chosen ``file``."""
    token = await csrf_token(client)
    upload = NO_FILE if file is None else (*file, "application/yaml")
    return await client.post(
        "/mappings/check",
        data={"_csrf_token": token, "text": text},
        files={"file": upload},
        headers=_headers(token, htmx),
    )


def _headers(token: str, htmx: bool) -> dict[str, str]:
    """htmx sends the token in a header too (``hx-headers`` on the body)."""
    return {"HX-Request": "true", "x-csrftoken": token} if htmx else {}


def checked_text(page: str) -> str:
    """The text the Apply form carries (its hidden field), as the browser would submit it."""
    found = re.search(r'<input type="hidden" name="text" value="([^"]*)">', page)
    assert found is not None, page
    return unescape(found.group(1))


async def apply(client: httpx.AsyncClient, page: str, *, htmx: bool = False) -> httpx.Response:
    """Step 2: submit the Apply form found on a checked ``page``."""
    token = await csrf_token(client)
    return await client.post(
        "/mappings/apply",
        data={"_csrf_token": token, "text": checked_text(page)},
        files={"file": NO_FILE},
        headers=_headers(token, htmx),
    )


async def cli_export(settings: Settings, *keys: str) -> bytes:
    """What ``switchboard export [KEYS]`` prints for the same data directory and database."""
    environment = {
        **os.environ,
        "SWITCHBOARD_DATA_DIR": str(settings.data_dir),
        "DATABASE_URL": settings.effective_database_url,
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "server.cli",
        "export",
        *keys,
        env=environment,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    output, errors = await process.communicate()
    assert process.returncode == 0, errors.decode()
    return output
