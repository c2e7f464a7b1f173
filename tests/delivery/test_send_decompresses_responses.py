"""Compressed answers come back decompressed."""

from __future__ import annotations

import gzip
import zlib

import aiohttp
import pytest
from support.target import Answer, Target

from server.delivery import send
from server.mapping.request import OutboundRequest

BODY = b'{"id": "123", "padding": "' + b"z" * 5000 + b'"}'


@pytest.mark.parametrize(
    ("encoding", "compressed"),
    [("gzip", gzip.compress(BODY)), ("deflate", zlib.compress(BODY))],
    ids=["gzip", "deflate"],  # gzip's header holds the time: ids must not change between runs
)
async def test_a_compressed_answer_comes_back_decompressed(
    session: aiohttp.ClientSession, target: Target, encoding: str, compressed: bytes
) -> None:
    headers = {"Content-Encoding": encoding, "Content-Type": "application/json"}
    target.route("GET", "/contacts", Answer(body=compressed, headers=headers))

    result = await send(
        session, OutboundRequest("GET", f"{target.url}/contacts"), max_response_bytes=10_000
    )

    assert result.body == BODY
    assert "gzip" in target.requests[0].headers["Accept-Encoding"]


async def test_the_limit_applies_to_the_decompressed_body(
    session: aiohttp.ClientSession, target: Target
) -> None:
    target.route(
        "GET",
        "/bomb",
        Answer(body=gzip.compress(b"0" * 5_000_000), headers={"Content-Encoding": "gzip"}),
    )

    result = await send(
        session, OutboundRequest("GET", f"{target.url}/bomb"), max_response_bytes=10_000
    )

    assert (result.body, result.body_truncated) == (b"0" * 10_000, True)
