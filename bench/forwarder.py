"""The ceiling for the benchmark: the same job as Switchboard's, with nothing else.

One Litestar POST route reads the raw form body, picks ``contact[email]`` and the ``fields``
entries named "First Name" / "Last Name", POSTs them as JSON to the target through one shared
aiohttp ``ClientSession`` and answers ``{"crm_id": <target's id>}``. No storage, no mapping
engine, no deduplication: whatever Switchboard does on top of this is what the ratio measures.

The body is split with the standard library's ``urllib.parse.parse_qsl`` (what Litestar 2.25
itself uses, and all a project dependency offers). ``BENCH_PARSER=fast`` uses the Rust
``fast_query_parsers`` instead, if importable (not a project dependency): ~8 µs instead of
~95 µs for the sample, to show how much of the ceiling is the parser.

Run (run.sh does this): BENCH_TARGET_URL=http://127.0.0.1:PORT/contacts
    .venv/bin/uvicorn --app-dir bench forwarder:app --host 127.0.0.1 --port PORT \
        --workers 1 --loop uvloop --http httptools --no-access-log
"""

from __future__ import annotations

import importlib
import os
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import parse_qsl

import aiohttp
import msgspec
from litestar import Litestar, Request, post
from litestar.exceptions import HTTPException

PARSER = os.environ.get("BENCH_PARSER", "stdlib")
TARGET_URL = os.environ.get("BENCH_TARGET_URL", "http://127.0.0.1:8081/contacts")
MAX_BODY = 1024 * 1024
JSON_HEADERS = {"Content-Type": "application/json"}
FIELD_KEY = re.compile(r"^fields\[(\d+)\]\[(name|value)\]$")


def split_pairs_stdlib(body: bytes) -> list[tuple[str, str]]:
    """The form's (key, value) pairs, percent-decoded, in order."""
    return parse_qsl(body.decode("utf-8"), keep_blank_values=True)


def split_pairs_fast(body: bytes) -> list[tuple[str, str]]:
    """The same pairs from the Rust parser (optional package fast_query_parsers)."""
    parser = importlib.import_module("fast_query_parsers")
    pairs: list[tuple[str, str]] = parser.parse_query_string(body, "&")
    return pairs


split_pairs = split_pairs_fast if PARSER == "fast" else split_pairs_stdlib


def pick_contact(body: bytes) -> dict[str, str]:
    """The three values the job sends, taken from one PHP-style bracket form body."""
    email = ""
    fields: dict[str, dict[str, str]] = {}
    for key, value in split_pairs(body):
        if key == "contact[email]":
            email = value
        elif match := FIELD_KEY.match(key):
            fields.setdefault(match[1], {})[match[2]] = value
    by_name = {entry.get("name", ""): entry.get("value", "") for entry in fields.values()}
    return {
        "email": email,
        "firstname": by_name.get("First Name", ""),
        "lastname": by_name.get("Last Name", ""),
    }


@asynccontextmanager
async def client_session(app: Litestar) -> AsyncIterator[None]:
    """One aiohttp session for the process, so connections to the target are reused."""
    timeout = aiohttp.ClientTimeout(total=10)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        app.state.session = session
        yield


@post("/hooks/forwarder", status_code=200)
async def forward_contact(request: Request[Any, Any, Any]) -> dict[str, Any]:
    """Parse, forward, answer with the target's id."""
    body = await request.body()
    if len(body) > MAX_BODY:
        raise HTTPException(status_code=413, detail="body too large")
    payload = msgspec.json.encode(pick_contact(body))
    session: aiohttp.ClientSession = request.app.state.session
    async with session.post(TARGET_URL, data=payload, headers=JSON_HEADERS) as response:
        answer = msgspec.json.decode(await response.read())
        if response.status >= 400:
            raise HTTPException(status_code=502, detail=f"target answered {response.status}")
    return {"crm_id": answer.get("id")}


app = Litestar(route_handlers=[forward_contact], lifespan=[client_session])
