"""Conditions decide whether an action runs."""

from __future__ import annotations

from typing import Any

import pytest

from server.mapping.conditions import compile_condition, is_present
from server.mapping.errors import MappingError
from server.mapping.paths import MISSING
from server.mapping.spec import Condition

CONTEXT: dict[str, Any] = {
    "body": {
        "contact": {"email": "jane@example.com", "phone": "  "},
        "lead-score": [{"score": "42"}],
        "lead-status": {"label": "Warm"},
        "tags": ["vip", "newsletter"],
    }
}


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        ("$.body.contact.email", True),
        ("$.body.contact.phone", False),
        ("$.body.contact.missing", False),
        (Condition(path="$.body.contact.phone", op="absent"), True),
        (Condition(path="$.body['lead-score'][0].score", op="gte", value=42), True),
        (Condition(path="$.body['lead-score'][0].score", op="gt", value="42"), False),
        (Condition(path="$.body['lead-score'][0].score", op="lt", value=50), True),
        (Condition(path="$.body['lead-score'][0].score", op="lte", value=41.5), False),
        (Condition(path="$.body['lead-status'].label", op="eq", value="warm"), True),
        (Condition(path="$.body['lead-status'].label", op="ne", value="Hot"), True),
        (Condition(path="$.body['lead-status'].label", op="in", value=["Hot", "Warm"]), True),
        (Condition(path="$.body.contact.email", op="contains", value="@EXAMPLE"), True),
        (Condition(path="$.body.tags", op="contains", value="vip"), True),
        (Condition(path="$.body.contact.email", op="matches", value=r"@example\.com$"), True),
        (Condition(path="$.body.contact.missing", op="gt", value=1), False),
    ],
)
def test_condition_operators(when: Any, expected: bool) -> None:
    assert compile_condition(when)(CONTEXT) is expected


def test_all_needs_every_member_and_any_needs_one() -> None:
    yes = Condition(path="$.body.contact.email")
    no = Condition(path="$.body.contact.missing")
    assert compile_condition(Condition(all=[yes, yes]))(CONTEXT) is True
    assert compile_condition(Condition(all=[yes, no]))(CONTEXT) is False
    assert compile_condition(Condition(any=[no, yes]))(CONTEXT) is True
    assert compile_condition(Condition(any=[no, no]))(CONTEXT) is False


@pytest.mark.parametrize(
    ("when", "message"),
    [
        (Condition(op="present"), "needs a 'path'"),
        (Condition(path="$.a", op="eq"), "needs a 'value'"),
        (Condition(path="$.a", op="gt", value="many"), "not a number"),
        (Condition(path="$.a", op="in", value="Hot"), "list of values"),
        (Condition(path="$.a", op="matches", value="("), "not a valid regular expression"),
        (Condition(all=[]), "at least one"),
        (Condition(path="$.a", all=[Condition(path="$.b")]), "not several"),
    ],
)
def test_bad_conditions_are_refused_when_compiled(when: Condition, message: str) -> None:
    with pytest.raises(MappingError, match=message):
        compile_condition(when)


def test_errors_inside_a_group_say_where() -> None:
    with pytest.raises(MappingError) as raised:
        compile_condition(Condition(any=[Condition(path="$.a"), Condition(path="nope")]))
    assert raised.value.location == ("any", 1, "path")


@pytest.mark.parametrize("value", [MISSING, None, "", "   ", [], {}])
def test_empty_values_are_not_present(value: Any) -> None:
    assert not is_present(value)


@pytest.mark.parametrize("value", ["x", 0, False, [0], {"a": 1}])
def test_non_empty_values_are_present(value: Any) -> None:
    assert is_present(value)
