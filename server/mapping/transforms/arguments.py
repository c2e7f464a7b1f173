"""Checking a step's argument when the mapping is loaded, with messages that show the fix."""

from __future__ import annotations

import difflib
from typing import Any

from server.mapping.errors import MappingError
from server.mapping.transforms.values import NO_ARGUMENT, as_text, show


def no_argument(name: str, argument: Any) -> None:
    if argument is not NO_ARGUMENT and argument is not None:
        raise MappingError(f"'{name}' takes no argument: write just '{name}'")


def required(name: str, argument: Any, example: str) -> Any:
    if argument is NO_ARGUMENT or argument is None:
        raise MappingError(f"'{name}' needs an argument, like {example}")
    return argument


def options(name: str, argument: Any, allowed: tuple[str, ...]) -> dict[str, Any]:
    """A step's named options (none given is no options); an unknown one is refused."""
    if argument is NO_ARGUMENT or argument is None:
        return {}
    if not isinstance(argument, dict):
        raise MappingError(
            f"'{name}' takes named options ({', '.join(allowed)}), like "
            f"{{{name}: {{{allowed[0]}: ...}}}}; got {show(argument)}"
        )
    for key in argument:
        if key not in allowed:
            close = difflib.get_close_matches(str(key), allowed, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise MappingError(
                f"'{name}' has no option {key!r}{hint}; its options are {', '.join(allowed)}"
            )
    return argument


def text_argument(name: str, what: str, value: Any) -> str:
    """An argument that is text; numbers count as text, since YAML reads ``10`` as a number."""
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return as_text(value)
    raise MappingError(f"'{name}' needs {what} as text; got {show(value)}")


def flag(name: str, option: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise MappingError(f"'{name}' option '{option}' is true or false; got {show(value)}")
    return value
