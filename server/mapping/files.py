"""Mapping files: YAML text in, :class:`MappingDocument` out, and back again.

People write and review these files by hand, so every problem is reported with the file,
line and column and a sentence a marketer can act on, and all problems are reported at
once rather than one per attempt. Structure is checked by walking the structs of
:mod:`server.mapping.spec` (each leaf value is checked by msgspec itself); meaning (JSONPaths,
transforms, credentials...) by :func:`server.mapping.compile.check_document`.

Export writes one canonical form: defaults left out, settings in struct order, block style,
quotes only where YAML needs them, so that export -> import -> export is byte-identical.
"""

from __future__ import annotations

import difflib
import io
import json
import re
import sys
import types
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import msgspec
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq, TaggedScalar
from ruamel.yaml.constructor import DuplicateKeyError, RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.representer import RoundTripRepresenter
from ruamel.yaml.scalarbool import ScalarBoolean

from server.mapping.compile import check_document
from server.mapping.errors import Location, MappingError
from server.mapping.spec import (
    FORMAT_VERSION,
    Condition,
    MappingDocument,
    ValueSource,
    endpoint_key,
    json_schema,
)

# A file this big in values is not a mapping: it is an alias bomb ("billion laughs").
MAX_VALUES = 100_000


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem in a mapping file, located so that an editor can jump to it."""

    file: str
    line: int | None
    column: int | None
    location: Location
    message: str

    def __str__(self) -> str:
        place = ":".join(str(part) for part in (self.file, self.line, self.column) if part)
        path = format_location(self.location)
        return f"{place}: {path}: {self.message}" if path else f"{place}: {self.message}"


class MappingFileError(Exception):
    """A mapping file cannot be loaded; ``issues`` lists every problem found."""

    def __init__(self, issues: list[Issue]) -> None:
        super().__init__("\n".join(str(issue) for issue in issues))
        self.issues = issues


def format_location(location: Location) -> str:
    """``("actions", 0, "name")`` -> ``actions[0].name``."""
    text = ""
    for step in location:
        if isinstance(step, int):
            text += f"[{step}]"
        else:
            text += f".{step}" if text else step
    return text


# --- loading -----------------------------------------------------------------------------


def load_documents(text: str, *, filename: str = "<mapping>") -> list[MappingDocument]:
    """Every endpoint in a mapping file; raises :class:`MappingFileError` listing all issues."""
    documents, issues = _read(text, filename)
    if issues:
        raise MappingFileError(issues)
    return documents


def validate_text(text: str, *, filename: str = "<mapping>") -> list[Issue]:
    """Every issue in a mapping file, in file order; empty when the file is valid."""
    return _read(text, filename)[1]


@dataclass(frozen=True, slots=True)
class _Problem:
    """An issue before it has a line: ``at`` is the node to point at (default: ``location``)."""

    location: Location
    message: str
    at: Location | None = None


class _Unreadable:
    """Stands for a YAML value that has no plain equivalent (already reported)."""


_UNREADABLE = _Unreadable()


def _read(text: str, filename: str) -> tuple[list[MappingDocument], list[Issue]]:
    try:
        roots = _parse_yaml(text)
    except YAMLError as error:
        return [], [_yaml_issue(error, filename)]
    except RecursionError:
        message = "the file is nested too deeply to be a mapping file"
        return [], [Issue(filename, None, None, (), message)]
    decoded: list[tuple[MappingDocument, Any]] = []
    issues: list[Issue] = []
    for root in roots:
        document, problems = _decode_document(root)
        if document is not None:
            problems += _duplicate_key_problems(document, decoded)
            decoded.append((document, root))
        issues += [_locate(problem, root, filename) for problem in problems]
    issues.sort(key=lambda issue: (issue.line or 0, issue.column or 0))
    return [document for document, _ in decoded], issues


class _Constructor(RoundTripConstructor):
    """Round-trip constructor that leaves dates as the text that was written."""


_Constructor.add_constructor("tag:yaml.org,2002:timestamp", _Constructor.construct_yaml_str)


def _parse_yaml(text: str) -> list[Any]:
    """The non-empty YAML documents, with line and column data (``.lc``) on every node."""
    yaml = YAML(typ="rt")
    yaml.Constructor = _Constructor
    return [root for root in yaml.load_all(text) if root is not None]


def _yaml_issue(error: YAMLError, filename: str) -> Issue:
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    line, column = (mark.line + 1, mark.column + 1) if mark is not None else (None, None)
    return Issue(filename, line, column, (), _yaml_message(error))


def _yaml_message(error: YAMLError) -> str:
    if isinstance(error, DuplicateKeyError):
        name = re.search(r'duplicate key "(.*?)"', str(error.problem))
        return f"{name.group(1) if name else 'a setting'!r} is written twice here; keep one"
    if not isinstance(error, MarkedYAMLError):
        return f"this is not valid YAML: {error}"
    message = f"this is not valid YAML: {error.problem}"
    if "'\\t'" in str(error.problem):
        message += " (indent with spaces, not tabs)"
    return f"{message} ({error.context})" if error.context else message


def _decode_document(root: Any) -> tuple[MappingDocument | None, list[_Problem]]:
    converter = _Converter()
    try:
        data = converter.plain(root, ())
    except _TooManyValues:
        message = f"this document holds more than {MAX_VALUES} values (repeated aliases?)"
        return None, [_Problem((), message)]
    if not isinstance(data, dict):
        start = f"a group of settings starting with 'switchboard: {FORMAT_VERSION}'"
        return None, [_Problem((), f"each document must be {start}, got {_describe_value(data)}")]
    problems = converter.problems + _version_problems(data.get("switchboard", _UNREADABLE))
    if _is_newer(data.get("switchboard")):
        return None, problems
    data = {**data, "switchboard": FORMAT_VERSION}  # reported above when wrong
    problems += _check(data, MappingDocument, ())
    if problems:
        return None, problems
    document = msgspec.convert(data, type=MappingDocument)
    return document, _semantic_problems(document)


def _is_newer(version: Any) -> bool:
    return type(version) is int and version > FORMAT_VERSION


def _version_problems(version: Any) -> list[_Problem]:
    if version is _UNREADABLE:
        start = f"start each document with 'switchboard: {FORMAT_VERSION}' (the format version)"
        return [_Problem((), f"'switchboard' is required: {start}")]
    if _is_newer(version):
        message = (
            f"this file was written for a newer Switchboard (format {version}); "
            f"this one reads format {FORMAT_VERSION}"
        )
        return [_Problem(("switchboard",), message)]
    if type(version) is not int or version != FORMAT_VERSION:
        message = f"the format version must be {FORMAT_VERSION}, got {_show(version)}"
        return [_Problem(("switchboard",), message)]
    return []


def _duplicate_key_problems(
    document: MappingDocument, earlier: list[tuple[MappingDocument, Any]]
) -> list[_Problem]:
    key = endpoint_key(document.endpoint)
    for other, other_root in earlier:
        if endpoint_key(other.endpoint) == key:
            first_line = _position(other_root, ("endpoint",))[0]
            setting = "key" if document.endpoint.key else "name"
            how = "" if document.endpoint.key else " (made from its name)"
            message = (
                f"the endpoint key {key!r}{how} is already used by the endpoint on line "
                f"{first_line}; give each endpoint its own 'key'"
            )
            return [_Problem(("endpoint", setting), message)]
    return []


def _semantic_problems(document: MappingDocument) -> list[_Problem]:
    """What the compiler finds wrong in a structurally valid document."""
    return _error_problems(check_document(document))


def _error_problems(errors: Sequence[MappingError]) -> list[_Problem]:
    return [_Problem(tuple(error.location), error.message) for error in errors]


def locate(
    text: str, errors: Sequence[MappingError], *, filename: str = "<mapping>", document: int = 0
) -> list[Issue]:
    """``errors`` found in the ``document``-th document of ``text``, as issues with lines.

    For problems found later than loading (at run time, say) in a document exported to text.
    """
    root = _parse_yaml(text)[document]
    return [_locate(problem, root, filename) for problem in _error_problems(errors)]


# --- YAML nodes -> plain values ----------------------------------------------------------


class _TooManyValues(Exception):
    pass


_STANDARD_TAG = "tag:yaml.org,2002:"


class _Converter:
    """Turns ruamel's nodes into plain dicts, lists and scalars, noting what has no plain form."""

    def __init__(self) -> None:
        self.problems: list[_Problem] = []
        self.count = 0

    def plain(self, node: Any, at: Location) -> Any:
        self.count += 1
        if self.count > MAX_VALUES:
            raise _TooManyValues
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

    def unreadable(self, at: Location, message: str) -> _Unreadable:
        self.problems.append(_Problem(at, message))
        return _UNREADABLE


# --- structure: walk the spec's types ----------------------------------------------------


def _check(value: Any, kind: Any, location: Location) -> list[_Problem]:
    """Every structural problem of ``value`` read as type ``kind`` (a spec annotation)."""
    if value is _UNREADABLE or kind is Any:
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


def _check_struct(value: Any, kind: type[msgspec.Struct], location: Location) -> list[_Problem]:
    if not isinstance(value, dict):
        return [_mismatch(value, kind, location, hint=_shorthand_hint(value, kind))]
    fields = {field.encode_name: field for field in msgspec.structs.fields(kind)}
    problems = [
        _unknown_setting(name, list(fields), location) for name in value if name not in fields
    ]
    for name, field in fields.items():
        if name in value:
            problems += _check(value[name], field.type, (*location, name))
        elif field.required:
            problems.append(_Problem(location, f"{name!r} is required"))
    return problems


def _unknown_setting(name: Any, known: list[str], location: Location) -> _Problem:
    message = f"unknown setting {_show(name)}"
    close = difflib.get_close_matches(str(name), known, n=1)
    if close:
        message += f" — did you mean {close[0]!r}?"
    return _Problem(location, message, at=(*location, name))


def _check_list(value: Any, item: Any, location: Location) -> list[_Problem]:
    if not isinstance(value, list):
        return [_mismatch(value, list, location)]
    return [p for index, v in enumerate(value) for p in _check(v, item, (*location, index))]


def _check_dict(value: Any, item: Any, location: Location) -> list[_Problem]:
    if not isinstance(value, dict):
        return [_mismatch(value, dict, location)]
    problems = [
        _Problem((*location, str(name)), "this name must be text", at=(*location, name))
        for name in value
        if not isinstance(name, str)
    ]
    return problems + [p for name, v in value.items() for p in _check(v, item, (*location, name))]


def _check_union(value: Any, kind: Any, location: Location) -> list[_Problem]:
    """Pick the member of the union that has the value's shape, then check against it."""
    for member in get_args(kind):
        if _shape(member) is dict and isinstance(value, dict):
            return _check(value, member, location)
        if _shape(member) is list and isinstance(value, list):
            return _check(value, member, location)
    scalars = tuple(member for member in get_args(kind) if _shape(member) is None)
    if not scalars or isinstance(value, dict | list):
        return [_mismatch(value, kind, location)]
    return _check_scalar(value, Union[scalars], location, expected=kind)  # noqa: UP007


def _shape(kind: Any) -> type | None:
    if isinstance(kind, type) and issubclass(kind, msgspec.Struct):
        return dict
    origin = get_origin(kind)
    return origin if origin in (dict, list) else None


def _check_choice(value: Any, choices: tuple[Any, ...], location: Location) -> list[_Problem]:
    if any(type(value) is type(choice) and value == choice for choice in choices):
        return []
    message = f"{_show(value)} is not allowed here; choose one of: "
    message += ", ".join(str(choice) for choice in choices)
    by_case = {str(choice).casefold(): str(choice) for choice in choices}
    close = difflib.get_close_matches(str(value).casefold(), list(by_case), n=1)
    if close:
        message += f" — did you mean {by_case[close[0]]!r}?"
    return [_Problem(location, message)]


def _check_scalar(
    value: Any, kind: Any, location: Location, expected: Any = None
) -> list[_Problem]:
    """Let msgspec check a leaf; ``expected`` is what to say was expected (default ``kind``)."""
    try:
        msgspec.convert(value, type=kind)
    except msgspec.ValidationError as error:
        return [_Problem(location, _leaf_message(str(error), value, expected or kind))]
    return []


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
        return f"{_show(value)} is not allowed here: {hint}"
    if bound := re.search(r"` (>=|<=|>|<) (\S+)$", raw):
        return f"must be {_LIMIT_WORDS[bound.group(1)]} {float(bound.group(2)):g}"
    return raw[0].lower() + raw[1:]


def _mismatch(value: Any, kind: Any, location: Location, hint: str = "") -> _Problem:
    message = f"expected {_describe_kind(kind)}, got {_describe_value(value)}"
    return _Problem(location, f"{message}{hint}")


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


def _describe_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return "a number"
    if value is None:
        return "nothing (an empty value)"
    words: dict[type, str] = {str: "text", list: "a list", dict: "a group of settings"}
    return words.get(type(value), "a value")


def _show(value: Any) -> str:
    return repr(value) if isinstance(value, str) else json.dumps(value, default=str)


# --- lines and columns -------------------------------------------------------------------


def _locate(problem: _Problem, root: Any, filename: str) -> Issue:
    line, column = _position(root, problem.location if problem.at is None else problem.at)
    return Issue(filename, line, column, problem.location, problem.message)


def _position(root: Any, at: Location) -> tuple[int | None, int | None]:
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


# --- export ------------------------------------------------------------------------------


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


def dump_documents(documents: Sequence[MappingDocument]) -> str:
    """The canonical YAML of ``documents``: what export writes and import reads back."""
    yaml = YAML(typ="rt")
    yaml.Representer = _Representer
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 100_000  # never fold long URLs or JSONPaths
    stream = io.StringIO()
    yaml.dump_all([_exported(document) for document in documents], stream)
    return stream.getvalue()


def _exported(value: Any) -> Any:
    """Plain data with every setting left at its default omitted.

    msgspec's ``omit_defaults`` cannot see that ``methods: [POST]`` equals its
    ``default_factory``'s result; comparing here covers every kind of default.
    """
    if isinstance(value, msgspec.Struct):
        return {
            field.encode_name: _exported(getattr(value, field.name))
            for field in msgspec.structs.fields(value)
            if not _is_default(getattr(value, field.name), field)
        }
    if isinstance(value, dict):
        return {name: _exported(item) for name, item in value.items()}
    if isinstance(value, list):
        return [_exported(item) for item in value]
    return msgspec.to_builtins(value)


def _is_default(value: Any, field: msgspec.structs.FieldInfo) -> bool:
    if value is msgspec.UNSET or field.required:
        return value is msgspec.UNSET
    if field.default_factory is not msgspec.NODEFAULT:
        return bool(value == field.default_factory())
    return type(value) is type(field.default) and bool(value == field.default)


# --- JSON Schema -------------------------------------------------------------------------


def schema_text() -> str:
    """The JSON Schema of a mapping document, as committed in docs/mapping-file.schema.json."""
    return json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"


def main(argv: Sequence[str]) -> int:
    """``python -m server.mapping.files --schema > docs/mapping-file.schema.json``."""
    if list(argv) != ["--schema"]:
        print("usage: python -m server.mapping.files --schema", file=sys.stderr)
        return 2
    sys.stdout.write(schema_text())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
