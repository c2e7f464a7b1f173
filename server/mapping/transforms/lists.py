"""List transforms: a JSONPath that matched several values gives a list; these shape it."""

from __future__ import annotations

from typing import Any

from server.mapping.errors import MappingError
from server.mapping.transforms.arguments import no_argument, text_argument
from server.mapping.transforms.registry import register
from server.mapping.transforms.values import (
    NO_ARGUMENT,
    Scalar,
    Transform,
    TransformError,
    as_text,
    check_size,
    each,
    show,
)


@register(
    "first",
    "The first item of a list (nothing if the list is empty); a single value stays.",
    "none",
    "['a@x.com', 'b@x.com'] → 'a@x.com'",
)
def _build_first(argument: Any) -> Transform:
    no_argument("first", argument)
    return lambda value: (value[0] if value else None) if isinstance(value, list) else value


@register(
    "join",
    "Joins the items of a list into one text, skipping empty ones; a single value stays.",
    "the separator (default ',')",
    "{join: '; '}: ['a', 'b'] → 'a; b'",
)
def _build_join(argument: Any) -> Transform:
    separator = _separator("join", argument)

    def run(value: Any) -> Any:
        if not isinstance(value, list):
            return value
        parts = [_join_part(item) for item in value if item is not None and item != ""]
        length = sum(map(len, parts))
        check_size("join", length, length + len(separator) * max(len(parts) - 1, 0))
        return separator.join(parts)

    return run


def _separator(name: str, argument: Any) -> str:
    if argument is NO_ARGUMENT or argument is None:
        return ","
    return text_argument(name, "the separator", argument)


def _join_part(item: Any) -> str:
    if isinstance(item, str | int | float):
        return as_text(item)
    raise TransformError(f"join: can only join values, and {show(item)} is not one")


@register(
    "split",
    "Splits text into a list at a separator, trimming items and dropping empty ones.",
    "the separator (default ',')",
    "'red, green,,blue' → ['red', 'green', 'blue']",
)
def _build_split(argument: Any) -> Transform:
    separator = _separator("split", argument)
    if not separator:
        raise MappingError("'split' needs a separator that is not empty, like {split: ';'}")

    def convert(value: Scalar) -> list[str]:
        return [part.strip() for part in as_text(value).split(separator) if part.strip()]

    split_one = each("split", convert)
    return lambda value: value if isinstance(value, list) else split_one(value)
