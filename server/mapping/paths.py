"""JSONPath reading over an event, compiled once.

Most paths a mapping uses are plain (``$.body.contact.email``, ``$.field['First Name']``,
``$.body['lead-score'][0].score``): those are walked directly, which is about a hundred times
cheaper than a general JSONPath evaluation. Everything else (filters, wildcards, slices,
recursive descent) goes through jsonpath-ng's extended parser.

Reading yields the value when one node matches, a list when several do, and ``MISSING``
when none does.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any, Final, Protocol

from jsonpath_ng.exceptions import JsonPathLexerError, JsonPathParserError
from jsonpath_ng.ext.parser import parse as parse_jsonpath

from server.mapping.errors import MappingError

MAX_PATH_LENGTH: Final = 2000
MAX_MATCHES: Final = 10_000


class _Missing:
    """The value of a path that matches nothing (distinct from a JSON null)."""

    _instance: _Missing | None = None

    def __new__(cls) -> _Missing:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "MISSING"

    def __bool__(self) -> bool:
        return False


MISSING: Final = _Missing()

Segment = str | int

# One step of a plain path: .name (letters, digits, _ and -), [index], ['name'] or ["name"].
_STEP = re.compile(
    r"""\.(?P<name>[A-Za-z_][A-Za-z0-9_-]*)
      | \[(?P<index>-?\d+)\]
      | \[\s*'(?P<single>(?:[^'\\]|\\.)*)'\s*\]
      | \[\s*"(?P<double>(?:[^"\\]|\\.)*)"\s*\]""",
    re.VERBOSE,
)


class PathReader(Protocol):
    """A compiled path."""

    expression: str

    def read(self, data: Any) -> Any:
        """The matched value, a list of values when several nodes match, or ``MISSING``."""


class PlainPath:
    """A path of names and indexes only, walked without a JSONPath engine."""

    __slots__ = ("expression", "segments")

    def __init__(self, expression: str, segments: tuple[Segment, ...]) -> None:
        self.expression = expression
        self.segments = segments

    def read(self, data: Any) -> Any:
        node = data
        for segment in self.segments:
            node = _step(node, segment)
            if node is MISSING:
                return MISSING
        return node


class JsonPath:
    """A general JSONPath (filters, wildcards…) evaluated by jsonpath-ng."""

    __slots__ = ("compiled", "expression")

    def __init__(self, expression: str, compiled: Any) -> None:
        self.expression = expression
        self.compiled = compiled

    def read(self, data: Any) -> Any:
        try:
            matches = self.compiled.find(data)
        except (TypeError, ValueError, KeyError, AttributeError):
            # jsonpath-ng raises on filters comparing incompatible values: no match.
            return MISSING
        values = [match.value for match in matches[:MAX_MATCHES]]
        if not values:
            return MISSING
        return values[0] if len(values) == 1 else values


def _step(node: Any, segment: Segment) -> Any:
    if isinstance(node, Mapping):
        key = segment if isinstance(segment, str) else str(segment)
        return node.get(key, MISSING)
    if isinstance(node, Sequence) and not isinstance(node, str) and isinstance(segment, int):
        try:
            return node[segment]
        except IndexError:
            return MISSING
    return MISSING


def plain_segments(expression: str) -> tuple[Segment, ...] | None:
    """The steps of a plain path (``$.a['b c'][0]``), or None when it needs JSONPath."""
    text = expression.strip()
    if not text.startswith("$"):
        return None
    position, segments = 1, []
    while position < len(text):
        match = _STEP.match(text, position)
        if match is None:
            return None
        segments.append(_segment_of(match))
        position = match.end()
    return tuple(segments)


def _segment_of(match: re.Match[str]) -> Segment:
    if match.group("name") is not None:
        return match.group("name")
    if match.group("index") is not None:
        return int(match.group("index"))
    quoted = match.group("single")
    if quoted is None:
        quoted = match.group("double")
    return re.sub(r"\\(.)", r"\1", quoted)


@lru_cache(maxsize=4096)
def compile_path(expression: str) -> PathReader:
    """Compile a JSONPath once; raise MappingError in plain words when it is not valid."""
    if len(expression) > MAX_PATH_LENGTH:
        raise MappingError(f"this path is longer than {MAX_PATH_LENGTH} characters")
    if not expression.strip().startswith("$"):
        raise MappingError(
            f"'{expression}' is not a path: paths start with '$', for example $.body.contact.email"
        )
    segments = plain_segments(expression)
    if segments is not None:
        return PlainPath(expression, segments)
    try:
        return JsonPath(expression, parse_jsonpath(expression))
    except (JsonPathLexerError, JsonPathParserError, Exception) as error:
        raise MappingError(f"'{expression}' is not a valid JSONPath ({error})") from None
