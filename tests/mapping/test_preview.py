"""The builder's preview: the request an action would send for a sample, nothing sent."""

from __future__ import annotations

import msgspec

from server.mapping.compile import compile_action
from server.mapping.credentials import Credential
from server.mapping.preview import placeholder_keys, preview_action
from server.mapping.spec import Action, MappingDocument

PAYLOAD = {"query": {}, "body": {"contact": {"email": "Ann@Example.com"}}}


def action(**parts: object) -> Action:
    return msgspec.convert(
        {"name": "a", "request": {"url": "https://api.example.com/x"}, **parts}, Action
    )


def test_the_preview_is_the_request_with_credentials_masked() -> None:
    compiled = compile_action(
        0,
        action(
            request={"url": "https://api.example.com/x", "credential": "c"},
            fields={"email": {"from": "$.body.contact.email", "transform": ["lower"]}},
        ),
    )
    credential = Credential("c", "bearer", secret={"token": "t0p"})

    preview = preview_action(compiled, PAYLOAD, {}, credential)

    assert preview.runs
    assert preview.problem is None
    assert preview.request is not None
    assert preview.request["body"] == '{"email":"ann@example.com"}'
    assert ["Authorization", "[redacted]"] in preview.request["headers"]
    assert "t0p" not in msgspec.json.encode(preview.request).decode()


def test_a_condition_that_does_not_hold_is_reported() -> None:
    compiled = compile_action(0, action(when={"path": "$.body.contact.phone", "op": "present"}))

    assert not preview_action(compiled, PAYLOAD, {}, None).runs


def test_a_value_that_cannot_be_built_is_a_problem_not_an_error() -> None:
    compiled = compile_action(
        0, action(fields={"n": {"from": "$.body.contact.email", "transform": ["integer"]}})
    )

    preview = preview_action(compiled, PAYLOAD, {}, None)

    assert preview.request is None
    assert preview.problem is not None
    assert "integer" in preview.problem


def test_keys_of_earlier_actions_stand_in_as_named_placeholders() -> None:
    document = msgspec.convert(
        {
            "switchboard": 1,
            "endpoint": {"name": "e"},
            "actions": [
                {"name": "find", "request": {"url": "https://x/f"}, "response": {"pid": "$.id"}},
                {"name": "update", "request": {"url": "https://x/u"}},
            ],
        },
        MappingDocument,
    )
    keys = placeholder_keys(document, 1)
    compiled = compile_action(1, action(request={"url": "https://x/p/{{ keys.pid }}"}))

    preview = preview_action(compiled, PAYLOAD, keys, None)

    assert keys == {"pid": "‹pid from “find”›"}
    assert placeholder_keys(document, 0) == {}
    assert preview.request is not None
    assert preview.request["url"].startswith("https://x/p/")
    assert "pid" in preview.request["url"]
