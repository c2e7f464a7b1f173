"""JSON responses encoded once, with msgspec."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec
from litestar import Response

JSON = "application/json"


def json_response(
    status: int, body: Any, headers: Mapping[str, str] | None = None
) -> Response[bytes]:
    return Response(
        content=msgspec.json.encode(body),
        status_code=status,
        media_type=JSON,
        headers=dict(headers or {}),
    )
