"""The summary before Apply says honestly what changes: actions added, removed, changed, moved."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from server.mapping.spec import MappingDocument
from server.web.import_plan import ActionChange, describe_change


def action(
    name: str, url: str = "https://crm.example.com/a", method: str = "POST", **parts: Any
) -> dict[str, Any]:
    return {"name": name, "request": {"url": url, "method": method}, **parts}


def document(*actions: dict[str, Any], **endpoint: Any) -> MappingDocument:
    data = {"switchboard": 1, "endpoint": {"name": "CRM", **endpoint}, "actions": list(actions)}
    return msgspec.convert(data, MappingDocument)


CREATE = action("create")
TAG = action("tag", fields={"tag": {"value": "lead"}})
BASE = document(CREATE, TAG)


def test_a_document_with_nothing_stored_is_new() -> None:
    change = describe_change(BASE, None)
    assert change.created
    assert (change.key, change.name, change.actions_before, change.actions_after) == (
        "crm",
        "CRM",
        0,
        2,
    )
    assert change.added == ["create", "tag"]
    assert not change.unchanged


def test_the_same_document_changes_nothing() -> None:
    change = describe_change(BASE, BASE)
    assert change.unchanged
    assert (change.added, change.removed, change.changed, change.settings) == ([], [], [], [])


@pytest.mark.parametrize(
    ("new", "expected"),
    [
        (
            document(action("create"), action("tag", fields={"tag": {"value": "customer"}})),
            [ActionChange("tag", ["fields changed: tag"])],
        ),
        (
            document(action("create", url="https://crm.example.com/b", method="PUT"), TAG),
            [ActionChange("create", ["request: url, method"])],
        ),
        (
            document(action("create", when="$.body.email"), action("tag", response={"id": "$.id"})),
            [
                ActionChange("create", ["condition"]),
                ActionChange("tag", ["fields removed: tag", "response keys added: id"]),
            ],
        ),
    ],
)
def test_a_changed_action_names_the_parts_that_differ(
    new: MappingDocument, expected: list[ActionChange]
) -> None:
    change = describe_change(new, BASE)
    assert change.changed == expected
    assert (change.added, change.removed, change.reordered) == ([], [], False)


def test_added_removed_and_moved_actions_are_told_apart() -> None:
    new = document(TAG, action("notify"))
    change = describe_change(new, document(action("create"), TAG, action("extra")))
    assert (change.actions_before, change.actions_after) == (3, 2)
    assert change.added == ["notify"]
    assert change.removed == ["create", "extra"]
    assert not change.reordered

    swapped = describe_change(document(TAG, CREATE), BASE)
    assert swapped.reordered
    assert swapped.changed == []
    assert not swapped.unchanged


def test_actions_of_the_same_name_pair_in_order() -> None:
    old = document(
        action("send", url="https://a.example.com"), action("send", url="https://b.example.com")
    )
    new = document(
        action("send", url="https://a.example.com"), action("send", url="https://c.example.com")
    )
    change = describe_change(new, old)
    assert change.changed == [ActionChange("send", ["request: url"])]
    assert (change.added, change.removed) == ([], [])


def test_endpoint_settings_that_differ_are_named_but_not_the_key() -> None:
    new = document(CREATE, TAG, key="crm", description="Leads", methods=["POST", "GET"])
    change = describe_change(new, BASE)
    assert change.settings == ["description", "methods"]
    with_credentials = msgspec.structs.replace(
        BASE, credentials=msgspec.convert({"crm": {"type": "bearer"}}, dict[str, Any])
    )
    assert describe_change(BASE, with_credentials).settings == ["credentials"]
