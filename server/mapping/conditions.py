"""Conditions that decide whether an action runs (``when:``), compiled once."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from msgspec import UNSET

from server.mapping.errors import MappingError
from server.mapping.paths import MISSING, compile_path
from server.mapping.spec import Condition, When

Predicate = Callable[[Mapping[str, Any]], bool]

MAX_MATCH_INPUT = 10_000
_NEEDS_VALUE = {"eq", "ne", "gt", "gte", "lt", "lte", "contains", "in", "matches"}


def compile_condition(when: When) -> Predicate:
    """Turn a ``when:`` setting into a predicate over the event context."""
    if isinstance(when, str):
        return _compile_leaf(Condition(path=when, op="present"))
    if when.all is not UNSET or when.any is not UNSET:
        return _compile_group(when)
    return _compile_leaf(when)


def _compile_group(when: Condition) -> Predicate:
    if when.path is not UNSET or (when.all is not UNSET and when.any is not UNSET):
        raise MappingError("a condition has either 'all', 'any', or a 'path', not several")
    name = "all" if when.all is not UNSET else "any"
    members = when.all if when.all is not UNSET else when.any
    assert members is not UNSET
    if not members:
        raise MappingError(f"'{name}' needs at least one condition")
    predicates = []
    for index, member in enumerate(members):
        try:
            predicates.append(compile_condition(member))
        except MappingError as error:
            raise error.at(name, index) from None
    combine = all if name == "all" else any
    return lambda context: combine(predicate(context) for predicate in predicates)


def _compile_leaf(when: Condition) -> Predicate:
    if when.path is UNSET:
        raise MappingError("a condition needs a 'path' (for example $.body.contact.email)")
    try:
        reader = compile_path(when.path)
    except MappingError as error:
        raise error.at("path") from None
    if when.op in _NEEDS_VALUE and when.value is UNSET:
        raise MappingError(f"the '{when.op}' condition needs a 'value' to compare with")
    test = _operator(when.op, when.value)
    return lambda context: test(reader.read(context))


def _operator(op: str, expected: Any) -> Callable[[Any], bool]:
    if op == "present":
        return is_present
    if op == "absent":
        return lambda actual: not is_present(actual)
    if op in ("eq", "ne"):
        negate = op == "ne"
        return lambda actual: _equal(actual, expected) != negate
    if op in ("gt", "gte", "lt", "lte"):
        return _ordering(op, expected)
    if op == "contains":
        return lambda actual: _contains(actual, expected)
    if op == "in":
        if not isinstance(expected, list):
            raise MappingError("the 'in' condition needs a list of values, for example [Hot, Warm]")
        return lambda actual: any(_equal(actual, item) for item in expected)
    return _matcher(expected)


def is_present(value: Any) -> bool:
    """Present means found and not empty: not missing, null, "" (or blanks), [] or {}."""
    if value is MISSING or value is None:
        return False
    if isinstance(value, str):
        return value.strip() != ""
    if isinstance(value, list | dict):
        return len(value) > 0
    return True


def _as_number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip().replace(",", ""))
        except ValueError:
            return None
    return None


def _equal(actual: Any, expected: Any) -> bool:
    if isinstance(actual, list):
        return any(_equal(item, expected) for item in actual)
    left, right = _as_number(actual), _as_number(expected)
    if left is not None and right is not None:
        return left == right
    if actual is MISSING or actual is None:
        return expected is None
    return _text(actual).casefold() == _text(expected).casefold()


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value).strip()


def _ordering(op: str, expected: Any) -> Callable[[Any], bool]:
    bound = _as_number(expected)
    if bound is None:
        raise MappingError(f"the '{op}' condition compares numbers: '{expected}' is not a number")
    compare: Callable[[float], bool] = {
        "gt": lambda n: n > bound,
        "gte": lambda n: n >= bound,
        "lt": lambda n: n < bound,
        "lte": lambda n: n <= bound,
    }[op]

    def test(actual: Any) -> bool:
        values = actual if isinstance(actual, list) else [actual]
        numbers = [_as_number(value) for value in values]
        return any(number is not None and compare(number) for number in numbers)

    return test


def _contains(actual: Any, expected: Any) -> bool:
    if isinstance(actual, list):
        return any(_equal(item, expected) for item in actual)
    if actual is MISSING or actual is None:
        return False
    return _text(expected).casefold() in _text(actual).casefold()


def _matcher(pattern: Any) -> Callable[[Any], bool]:
    if not isinstance(pattern, str):
        raise MappingError("the 'matches' condition needs a regular expression as text")
    try:
        regex = re.compile(pattern)
    except re.error as error:
        raise MappingError(f"'{pattern}' is not a valid regular expression ({error})") from None

    def test(actual: Any) -> bool:
        values = actual if isinstance(actual, list) else [actual]
        return any(
            value is not MISSING
            and value is not None
            and regex.search(_text(value)[:MAX_MATCH_INPUT]) is not None
            for value in values
        )

    return test
