"""The YAML side of mapping files, with ruamel: text to plain values with positions, and back.

Reading keeps each node's line and column (``.lc``) so that a problem can point at its place;
values YAML has but a mapping file has not (tags, dates, keys that are lists) are reported, not
guessed at. Writing uses one canonical style: block style, ``null`` for nothing, ``|`` blocks
for text with line breaks, and quotes only where YAML needs them.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq, TaggedScalar
from ruamel.yaml.constructor import DuplicateKeyError, RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.representer import RoundTripRepresenter
from ruamel.yaml.scalarbool import ScalarBoolean

from server.mapping.errors import Location
from server.mapping.structure import UNREADABLE, Problem, Unreadable

# A file this big in values is not a mapping: it is an alias bomb ("billion laughs").
MAX_VALUES = 100_000


# --- reading ----------------------------------------------------------------------------------


class _Constructor(RoundTripConstructor):
    """Round-trip constructor that leaves dates as the text that was written."""


_Constructor.add_constructor("tag:yaml.org,2002:timestamp", _Constructor.construct_yaml_str)


def parse_yaml(text: str) -> list[Any]:
    """The non-empty YAML documents, with line and column data (``.lc``) on every node."""
    yaml = YAML(typ="rt")
    yaml.Constructor = _Constructor
    return [root for root in yaml.load_all(text) if root is not None]


def yaml_error_position(error: YAMLError) -> tuple[int | None, int | None]:
    """1-based line and column of a YAML syntax error, when it has them."""
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    return (mark.line + 1, mark.column + 1) if mark is not None else (None, None)


def yaml_error_message(error: YAMLError) -> str:
    """A YAML syntax error in plain words."""
    if isinstance(error, DuplicateKeyError):
        name = re.search(r'duplicate key "(.*?)"', str(error.problem))
        return f"{name.group(1) if name else 'a setting'!r} is written twice here; keep one"
    if not isinstance(error, MarkedYAMLError):
        return f"this is not valid YAML: {error}"
    message = f"this is not valid YAML: {error.problem}"
    if "'\\t'" in str(error.problem):
        message += " (indent with spaces, not tabs)"
    return f"{message} ({error.context})" if error.context else message


def position(root: Any, at: Location) -> tuple[int | None, int | None]:
    """1-based line and column of the deepest node of ``at`` present in the YAML.

    A mapping entry points at its key, a list item at the item.
    """
    if not hasattr(root, "lc"):
        return None, None
    line, column, node = root.lc.line, root.lc.col, root
    for step in at:
        if isinstance(node, CommentedMap) and step in node:
            line, column = node.lc.data.get(step, (line, column))[:2]
        elif isinstance(node, CommentedSeq) and isinstance(step, int) and 0 <= step < len(node):
            line, column = node.lc.item(step)
        else:
            break
        node = node[step]
    return line + 1, column + 1


# --- YAML nodes -> plain values ---------------------------------------------------------------


class TooManyValues(Exception):
    """A document holds more than :data:`MAX_VALUES` values."""


def plain_values(root: Any) -> tuple[Any, list[Problem]]:
    """A document as plain dicts, lists and scalars, and what in it has no plain form."""
    converter = _Converter()
    return converter.plain(root, ()), converter.problems


_STANDARD_TAG = "tag:yaml.org,2002:"


class _Converter:
    """Turns ruamel's nodes into plain dicts, lists and scalars, noting what has no plain form."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.count = 0

    def plain(self, node: Any, at: Location) -> Any:
        self.count += 1
        if self.count > MAX_VALUES:
            raise TooManyValues
        if isinstance(node, TaggedScalar):
            return self.tagged(node, at)
        tag = getattr(getattr(node, "tag", None), "value", None)
        if tag is not None and not tag.startswith(_STANDARD_TAG):
            return self.unreadable(at, f"YAML tags such as {tag!r} are not supported here")
        if isinstance(node, dict):
            names = [(self.key(key, at), item) for key, item in node.items()]
            return {name: self.plain(item, (*at, name)) for name, item in names}
        if isinstance(node, list):
            return [self.plain(item, (*at, index)) for index, item in enumerate(node)]
        return self.scalar(node, at)

    def tagged(self, node: TaggedScalar, at: Location) -> Any:
        """``!!str 12`` is the text "12"; other tags have no meaning in a mapping file."""
        tag = str(node.tag.value)
        if tag == f"{_STANDARD_TAG}str":
            return str(node.value)
        shown = tag.replace(_STANDARD_TAG, "!!", 1)
        return self.unreadable(at, f"YAML tags such as {shown!r} are not supported here")

    def key(self, key: Any, at: Location) -> Any:
        """A name in a group (at ``at``): a scalar, or the text of anything else (reported)."""
        if isinstance(key, str | int | float | bool) or key is None:
            return self.scalar(key, at)
        self.unreadable(at, "names must be text, not a list or a group")
        return str(key)

    def scalar(self, node: Any, at: Location) -> Any:
        if isinstance(node, ScalarBoolean | bool):
            return bool(node)
        for kind in (str, int, float):
            if isinstance(node, kind):
                return kind(node)
        if node is None:
            return None
        kinds = "text, a number, true or false, a list or a group of settings"
        return self.unreadable(at, f"this kind of YAML value is not supported here; use {kinds}")

    def unreadable(self, at: Location, message: str) -> Unreadable:
        self.problems.append(Problem(at, message))
        return UNREADABLE


# --- writing ----------------------------------------------------------------------------------


class _Representer(RoundTripRepresenter):
    """Writes ``null`` for nothing and multi-line text as ``|`` blocks when YAML allows."""

    def represent_none(self, data: None) -> Any:
        return self.represent_scalar("tag:yaml.org,2002:null", "null")

    def represent_str(self, data: str) -> Any:
        style = None
        if "\n" in data and _BLOCK_SAFE.fullmatch(data):
            style = "|"
        elif _OTHER_BREAKS.search(data):
            style = '"'
        return self.represent_scalar("tag:yaml.org,2002:str", data, style=style)


# ruamel writes these line breaks unescaped in plain and single-quoted text, where reading
# turns them into spaces; double quotes escape them.
_OTHER_BREAKS = re.compile("[\r\x85\u2028\u2029]")
# Text a ``|`` block holds as is: lines of printable characters. (ruamel writes a block
# whenever asked, even when it cannot be read back, so the choice is made here.)
_BLOCK_SAFE = re.compile(
    "[\n\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]*"
)


_Representer.add_representer(type(None), _Representer.represent_none)
_Representer.add_representer(str, _Representer.represent_str)


def dump_yaml(documents: Sequence[Any]) -> str:
    """Plain data (one item per document) as YAML text in the canonical style."""
    yaml = YAML(typ="rt")
    yaml.Representer = _Representer
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 100_000  # never fold long URLs or JSONPaths
    stream = io.StringIO()
    yaml.dump_all(documents, stream)
    return stream.getvalue()
