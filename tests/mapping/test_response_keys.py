"""Reading the keys the platform receives from a target's response."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from server.mapping.apply import ResponseError, extract_keys
from server.mapping.compile import compile_action
from server.mapping.spec import Action


def action(response: dict[str, Any]) -> Any:
    return compile_action(
        0,
        msgspec.convert(
            {"name": "a", "request": {"url": "https://x.test"}, "response": response}, Action
        ),
    )


def test_keys_are_read_with_jsonpath() -> None:
    compiled = action({"crm_id": "$.id", "status": "$.properties.status", "first": "$.items[0].v"})
    body = b'{"id": "003abc", "properties": {"status": "created"}, "items": [{"v": 1}]}'
    assert extract_keys(compiled, body) == {"crm_id": "003abc", "status": "created", "first": 1}


def test_a_key_that_matches_nothing_is_left_out() -> None:
    compiled = action({"crm_id": "$.id", "owner": "$.owner.id"})
    assert extract_keys(compiled, b'{"id": 5}') == {"crm_id": 5}


def test_a_key_can_have_a_transform_and_a_default() -> None:
    compiled = action(
        {
            "status": {"from": "$.state", "transform": ["upper"]},
            "list": {"from": "$.x", "default": "none"},
        }
    )
    assert extract_keys(compiled, b'{"state": "new"}') == {"status": "NEW", "list": "none"}


def test_an_empty_answer_gives_only_defaults() -> None:
    compiled = action({"crm_id": "$.id", "ok": {"from": "$.ok", "default": "yes"}})
    assert extract_keys(compiled, b"") == {"ok": "yes"}


def test_a_non_json_answer_is_an_error_when_keys_are_expected() -> None:
    with pytest.raises(ResponseError, match="not JSON"):
        extract_keys(action({"crm_id": "$.id"}), b"<html>Login</html>")


def test_a_non_json_answer_is_fine_when_no_keys_are_expected() -> None:
    assert extract_keys(action({}), b"<html>ok</html>") == {}
