"""Values as every transform sees them: the error, text, lists, and values shown in messages.

The rules in :mod:`server.mapping.transforms` about None, lists, objects and blank text are
kept here, once, so that each transform only says how it converts one value.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from typing import Any

from server.mapping.errors import MappingError

Transform = Callable[[Any], Any]
Scalar = str | int | float

# A transform never makes text longer than this unless its input already was (replace, join).
MAX_TEXT = 1_000_000


class TransformError(MappingError):
    """A value cannot be transformed at run time; the engine records it as the action's failure."""


class _Absent(Enum):
    """The argument of a step written as a bare name (``trim``), as opposed to ``{trim: null}``."""

    TOKEN = 0


NO_ARGUMENT = _Absent.TOKEN


def show(value: Any) -> str:
    """A value (or argument) as a message quotes it: short, and 'nothing' for no argument."""
    text = "nothing" if value is NO_ARGUMENT else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def each(name: str, convert: Callable[[Scalar], Any]) -> Transform:
    """Apply ``convert`` to a value, or to each item of a list; None stays None."""

    def one(value: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, str | int | float):
            return convert(value)
        if isinstance(value, dict):
            raise TransformError(
                f"{name}: {show(value)} is a group of fields, not a value; "
                "point 'from' at one of its fields"
            )
        raise TransformError(f"{name}: cannot transform {show(value)}")

    def run(value: Any) -> Any:
        if isinstance(value, list):
            return [_flat_item(name, one, item) for item in value]
        return one(value)

    return run


def _flat_item(name: str, one: Transform, item: Any) -> Any:
    if isinstance(item, list):
        raise TransformError(f"{name}: cannot transform a list inside a list ({show(item)})")
    return one(item)


def each_conversion(name: str, convert: Callable[[Scalar], Any]) -> Transform:
    """Like :func:`each`, for conversions: blank text is a missing value, not an error."""
    return each(name, lambda value: None if blank(value) else convert(value))


def blank(value: Scalar) -> bool:
    return isinstance(value, str) and not value.strip()


def not_bool(name: str, value: Scalar, noun: str) -> None:
    """Refuse a yes/no value where ``noun`` (a number, a date...) is expected."""
    if isinstance(value, bool):
        raise TransformError(f"{name}: {as_text(value)} is a yes/no value, not {noun}")


def as_text(value: Scalar) -> str:
    """A value as text: numbers without a trailing ``.0``, yes/no values as true/false."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def text_only(convert: Callable[[str], str]) -> Callable[[Scalar], Scalar]:
    """Cosmetic text changes leave numbers and yes/no values as they are."""
    return lambda value: convert(value) if isinstance(value, str) else value


def check_size(name: str, source_length: int, result_length: int) -> None:
    """Refuse a result over :data:`MAX_TEXT` characters, unless the input already was."""
    if result_length > max(source_length, MAX_TEXT):
        raise TransformError(
            f"{name}: the result would be {result_length} characters long, "
            f"over the limit of {MAX_TEXT}"
        )
