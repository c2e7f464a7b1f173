"""DeliveryResult: when it counts as success, and reading its body as JSON."""

from __future__ import annotations

from typing import Any

import pytest

from server.delivery import DeliveryResult


def result(**changes: Any) -> DeliveryResult:
    fields: dict[str, Any] = {
        "status": 200,
        "headers": {},
        "body": b"{}",
        "body_truncated": False,
        "duration_ms": 1.0,
        "error": None,
        "error_kind": None,
    }
    return DeliveryResult(**(fields | changes))


@pytest.mark.parametrize(
    ("changes", "ok"),
    [
        ({"status": 200}, True),
        ({"status": 201}, True),
        ({"status": 299}, True),
        ({"status": 199}, False),
        ({"status": 302}, False),
        ({"status": 404}, False),
        ({"status": 500}, False),
        ({"status": None, "error": "connection refused", "error_kind": "connection"}, False),
        ({"status": 200, "error": "timed out in the body", "error_kind": "timeout"}, False),
    ],
)
def test_only_a_2xx_without_an_error_is_ok(changes: dict[str, Any], ok: bool) -> None:
    assert result(**changes).ok is ok


@pytest.mark.parametrize(
    ("body", "value"),
    [
        (b'{"id": "1"}', {"id": "1"}),
        (b"[1, 2]", [1, 2]),
        (b"null", None),
        ('"Zoë"'.encode(), "Zoë"),
    ],
)
def test_a_json_body_parses(body: bytes, value: Any) -> None:
    assert result(body=body).json() == value


@pytest.mark.parametrize("body", [b"", b"<html>", b'{"id": ', b"\xff\xfe"])
def test_a_body_that_is_not_json_raises_value_error(body: bytes) -> None:
    with pytest.raises(ValueError, match="not valid JSON"):
        result(body=body).json()
