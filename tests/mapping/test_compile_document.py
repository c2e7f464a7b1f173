"""A document is checked as a whole, and every problem is located."""

from __future__ import annotations

from typing import Any

import msgspec

from server.mapping.compile import check_document, compile_document
from server.mapping.spec import MappingDocument


def document(*actions: dict[str, Any], **extra: Any) -> MappingDocument:
    raw = {"switchboard": 1, "endpoint": {"name": "Test"}, "actions": list(actions), **extra}
    return msgspec.convert(raw, MappingDocument)


def located(doc: MappingDocument) -> dict[tuple[Any, ...], str]:
    return {error.location: error.message for error in check_document(doc)}


def test_a_valid_document_compiles_with_its_key_and_methods() -> None:
    compiled = compile_document(
        document({"name": "a", "request": {"url": "https://x.test"}, "response": {"id": "$.id"}})
    )
    assert compiled.key == "test"
    assert compiled.methods == {"POST"}
    assert compiled.dedupe is not None
    assert [action.name for action in compiled.actions] == ["a"]


def test_every_problem_is_reported_at_its_place() -> None:
    problems = located(
        document(
            {
                "name": "a",
                "request": {"url": "https://x.test", "credential": "crm"},
                "fields": {"email": {"from": "contact.email"}, "x..y": {"value": 1}},
                "response": {"id": "$.id"},
            },
            {
                "name": "a",
                "request": {"url": "https://x.test"},
                "fields": {"n": {"from": "$.a", "value": 1}},
                "response": {"id": "$.id"},
            },
        )
    )
    assert "start with '$'" in problems[("actions", 0, "fields", "email", "from")]
    assert "not a field path" in problems[("actions", 0, "fields", "x..y")]
    assert "not declared" in problems[("actions", 0, "request", "credential")]
    assert "two actions are named" in problems[("actions", 1, "name")]
    assert "exactly one of" in problems[("actions", 1, "fields", "n")]


def test_unknown_transforms_are_located_at_their_step() -> None:
    problems = located(
        document(
            {
                "name": "a",
                "request": {"url": "https://x.test"},
                "fields": {"e": {"from": "$.a", "transform": ["trim", "lowr"]}},
            }
        )
    )
    assert ("actions", 0, "fields", "e", "transform", 1) in problems


def test_keys_must_come_from_an_earlier_action() -> None:
    problems = located(
        document(
            {
                "name": "add",
                "request": {"url": "https://x.test"},
                "fields": {"id": {"from": "$.keys.crm_id"}},
            },
            {
                "name": "create",
                "request": {"url": "https://x.test"},
                "response": {"crm_id": "$.id"},
            },
        )
    )
    assert "no earlier action reads" in problems[("actions", 0)]


def test_fields_need_a_body() -> None:
    problems = located(
        document(
            {
                "name": "a",
                "request": {"url": "https://x.test", "method": "GET", "body": "none"},
                "fields": {"e": {"from": "$.a"}},
            }
        )
    )
    assert "no body" in problems[("actions", 0, "request", "body")]


def test_dedupe_can_be_turned_off_or_pointed_elsewhere() -> None:
    assert compile_document(document(endpoint={"name": "T", "dedupe": "none"})).dedupe is None
    problems = located(document(endpoint={"name": "T", "dedupe": "body.id"}))
    assert ("endpoint", "dedupe") in problems


def test_a_key_the_web_pages_use_is_refused() -> None:
    problems = located(document(endpoint={"name": "New"}))
    assert "is a word the pages use" in problems[("endpoint", "name")]
    problems = located(document(endpoint={"name": "Forms", "key": "new"}))
    assert ("endpoint", "key") in problems
