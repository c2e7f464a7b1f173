"""The structure of a mapping document: every problem, worded for the person who wrote it.

:func:`check` walks the structs of :mod:`server.mapping.spec` alongside plain data read from a
mapping file and reports every problem at once (each leaf value is checked by msgspec itself),
in words a marketer can act on: "expected a whole number, got text", "unknown setting 'methd'
— did you mean 'method'?".
"""

from __future__ import annotations

import difflib
import json
import re
import types
from dataclasses import dataclass
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import msgspec

from server.mapping.errors import Location
from server.mapping.spec import Condition, ValueSource


@dataclass(frozen=True, slots=True)
class Problem:
    """An issue before it has a line: ``at`` is the node to point at (default: ``location``)."""

    location: Location
    message: str
    at: Location | None = None


class Unreadable:
    """Stands for a YAML value that has no plain equivalent (already reported)."""


UNREADABLE = Unreadable()


# --- walking the spec's types -----------------------------------------------------------------


def check(value: Any, kind: Any, location: Location) -> list[Problem]:
    """Every structural problem of ``value`` read as type ``kind`` (a spec annotation)."""
    if value is UNREADABLE or kind is Any:
        return []
    if isinstance(kind, type) and issubclass(kind, msgspec.Struct):
        return _check_struct(value, kind, location)
    origin = get_origin(kind)
    if origin is list:
        return _check_list(value, get_args(kind)[0], location)
    if origin is dict:
        return _check_dict(value, get_args(kind)[1], location)
    if origin in (Union, types.UnionType):
        return _check_union(value, kind, location)
    if origin is Literal:
        return _check_choice(value, get_args(kind), location)
    return _check_scalar(value, kind, location)


def _check_struct(value: Any, kind: type[msgspec.Struct], location: Location) -> list[Problem]:
    if not isinstance(value, dict):
        return [_mismatch(value, kind, location, hint=_shorthand_hint(value, kind))]
    fields = {field.encode_name: field for field in msgspec.structs.fields(kind)}
    problems = [
        _unknown_setting(name, list(fields), location) for name in value if name not in fields
    ]
    for name, field in fields.items():
        if name in value:
            problems += check(value[name], field.type, (*location, name))
        elif field.required:
            problems.append(Problem(location, f"{name!r} is required"))
    return problems


def _unknown_setting(name: Any, known: list[str], location: Location) -> Problem:
    message = f"unknown setting {show(name)}"
    close = difflib.get_close_matches(str(name), known, n=1)
    if close:
        message += f" — did you mean {close[0]!r}?"
    return Problem(location, message, at=(*location, name))


def _check_list(value: Any, item: Any, location: Location) -> list[Problem]:
    if not isinstance(value, list):
        return [_mismatch(value, list, location)]
    return [p for index, v in enumerate(value) for p in check(v, item, (*location, index))]


def _check_dict(value: Any, item: Any, location: Location) -> list[Problem]:
    if not isinstance(value, dict):
        return [_mismatch(value, dict, location)]
    problems = [
        Problem((*location, str(name)), "this name must be text", at=(*location, name))
        for name in value
        if not isinstance(name, str)
    ]
    return problems + [p for name, v in value.items() for p in check(v, item, (*location, name))]


def _check_union(value: Any, kind: Any, location: Location) -> list[Problem]:
    """Pick the member of the union that has the value's shape, then check against it."""
    for member in get_args(kind):
        shape = _shape(member)
        if shape is not None and isinstance(value, shape):
            return check(value, member, location)
    scalars = tuple(member for member in get_args(kind) if _shape(member) is None)
    if not scalars or isinstance(value, dict | list):
        return [_mismatch(value, kind, location)]
    return _check_scalar(value, Union[scalars], location, expected=kind)  # noqa: UP007


def _shape(kind: Any) -> type | None:
    """``dict`` for a struct or dict type, ``list`` for a list type, None for a scalar type."""
    if isinstance(kind, type) and issubclass(kind, msgspec.Struct):
        return dict
    origin = get_origin(kind)
    return origin if origin in (dict, list) else None


def _check_choice(value: Any, choices: tuple[Any, ...], location: Location) -> list[Problem]:
    if any(type(value) is type(choice) and value == choice for choice in choices):
        return []
    message = f"{show(value)} is not allowed here; choose one of: "
    message += ", ".join(str(choice) for choice in choices)
    by_case = {str(choice).casefold(): str(choice) for choice in choices}
    close = difflib.get_close_matches(str(value).casefold(), list(by_case), n=1)
    if close:
        message += f" — did you mean {by_case[close[0]]!r}?"
    return [Problem(location, message)]


def _check_scalar(value: Any, kind: Any, location: Location, expected: Any = None) -> list[Problem]:
    """Let msgspec check a leaf; ``expected`` is what to say was expected (default ``kind``)."""
    try:
        msgspec.convert(value, type=kind)
    except msgspec.ValidationError as error:
        return [Problem(location, _leaf_message(str(error), value, expected or kind))]
    return []


# --- wording ----------------------------------------------------------------------------------

_LIMIT_WORDS = {">": "more than", ">=": "at least", "<": "less than", "<=": "at most"}
# Plain words for the patterns in spec.py, keyed by the pattern.
_PATTERN_HINTS = {
    "^[a-z0-9][a-z0-9-]{0,99}$": (
        "use lowercase letters, digits and dashes (at most 100), starting with a letter or digit"
    ),
}


def _leaf_message(raw: str, value: Any, kind: Any) -> str:
    """msgspec's message for a leaf value, in plain words."""
    raw = raw.split(" - at `")[0]
    if ", got `" in raw:
        return _mismatch(value, kind, ()).message
    if length := re.search(r"of length (>=|<=) (\d+)", raw):
        limit = int(length.group(2))
        if length.group(1) == ">=":
            return "must not be empty" if limit == 1 else f"must be at least {limit} characters"
        return f"is too long: at most {limit} characters"
    if pattern := re.search(r"matching regex '(.*)'", raw):
        hint = _PATTERN_HINTS.get(pattern.group(1), f"it must match {pattern.group(1)}")
        return f"{show(value)} is not allowed here: {hint}"
    if bound := re.search(r"` (>=|<=|>|<) (\S+)$", raw):
        return f"must be {_LIMIT_WORDS[bound.group(1)]} {float(bound.group(2)):g}"
    return raw[0].lower() + raw[1:]


def _mismatch(value: Any, kind: Any, location: Location, hint: str = "") -> Problem:
    message = f"expected {_describe_kind(kind)}, got {describe_value(value)}"
    return Problem(location, f"{message}{hint}")


def _shorthand_hint(value: Any, kind: Any) -> str:
    """Say how to write as a group what was written as text (a field, a condition in a list)."""
    if not isinstance(value, str) or kind not in (ValueSource, Condition):
        return ""
    setting = "value" if kind is ValueSource and not value.lstrip().startswith("$") else "from"
    setting = "path" if kind is Condition else setting
    return f": write {{{setting}: {value}}}"


def _describe_kind(kind: Any) -> str:
    origin = get_origin(kind)
    if origin in (Union, types.UnionType):
        wanted = [m for m in get_args(kind) if m not in (type(None), msgspec.UnsetType)]
        return " or ".join(dict.fromkeys(_describe_kind(member) for member in wanted))
    if origin is Literal:
        return "one of: " + ", ".join(str(choice) for choice in get_args(kind))
    if origin is Annotated:
        return _describe_kind(get_args(kind)[0])
    if kind is dict or _shape(kind) is dict:
        return "a group of settings"
    if kind is list or _shape(kind) is list:
        return "a list"
    return _KIND_WORDS.get(kind, "a value")


_KIND_WORDS = {str: "text", int: "a whole number", float: "a number", bool: "true or false"}


def describe_value(value: Any) -> str:
    """What kind of value this is, in words: "text", "a list", "nothing (an empty value)"..."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return "a number"
    if value is None:
        return "nothing (an empty value)"
    words: dict[type, str] = {str: "text", list: "a list", dict: "a group of settings"}
    return words.get(type(value), "a value")


def show(value: Any) -> str:
    """A value as a message quotes it: text in quotes, anything else as JSON."""
    return repr(value) if isinstance(value, str) else json.dumps(value, default=str)
