"""Mapping files: YAML text in, :class:`MappingDocument` out, and back again.

People write and review these files by hand, so every problem is reported with the file,
line and column and a sentence a marketer can act on, and all problems are reported at
once rather than one per attempt. Structure is checked by walking the structs of
:mod:`server.mapping.spec` (:mod:`server.mapping.structure`); meaning (JSONPaths,
transforms, credentials...) by :func:`server.mapping.compile.check_document`. The YAML itself
is read and written by :mod:`server.mapping.yaml_text`.

Export writes one canonical form: defaults left out, settings in struct order, block style,
quotes only where YAML needs them, so that export -> import -> export is byte-identical.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import msgspec
from ruamel.yaml.error import YAMLError

from server.mapping.compile import check_document
from server.mapping.errors import Location, MappingError
from server.mapping.spec import FORMAT_VERSION, MappingDocument, endpoint_key, json_schema
from server.mapping.structure import UNREADABLE, Problem, check, describe_value, show
from server.mapping.yaml_text import (
    MAX_VALUES,
    TooManyValues,
    dump_yaml,
    parse_yaml,
    plain_values,
    position,
    yaml_error_message,
    yaml_error_position,
)

__all__ = [
    "MAX_VALUES",
    "Issue",
    "MappingFileError",
    "dump_documents",
    "format_location",
    "load_documents",
    "locate",
    "main",
    "schema_text",
    "validate_text",
]


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


def locate(
    text: str, errors: Sequence[MappingError], *, filename: str = "<mapping>", document: int = 0
) -> list[Issue]:
    """``errors`` found in the ``document``-th document of ``text``, as issues with lines.

    For problems found later than loading (at run time, say) in a document exported to text.
    """
    root = parse_yaml(text)[document]
    return [_locate(problem, root, filename) for problem in _error_problems(errors)]


def _read(text: str, filename: str) -> tuple[list[MappingDocument], list[Issue]]:
    try:
        roots = parse_yaml(text)
    except YAMLError as error:
        line, column = yaml_error_position(error)
        return [], [Issue(filename, line, column, (), yaml_error_message(error))]
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


def _locate(problem: Problem, root: Any, filename: str) -> Issue:
    line, column = position(root, problem.location if problem.at is None else problem.at)
    return Issue(filename, line, column, problem.location, problem.message)


def _decode_document(root: Any) -> tuple[MappingDocument | None, list[Problem]]:
    try:
        data, unreadable = plain_values(root)
    except TooManyValues:
        message = f"this document holds more than {MAX_VALUES} values (repeated aliases?)"
        return None, [Problem((), message)]
    if not isinstance(data, dict):
        start = f"a group of settings starting with 'switchboard: {FORMAT_VERSION}'"
        return None, [Problem((), f"each document must be {start}, got {describe_value(data)}")]
    problems = unreadable + _version_problems(data.get("switchboard", UNREADABLE))
    if _is_newer(data.get("switchboard")):
        return None, problems
    data = {**data, "switchboard": FORMAT_VERSION}  # reported above when wrong
    problems += check(data, MappingDocument, ())
    if problems:
        return None, problems
    document = msgspec.convert(data, type=MappingDocument)
    return document, _semantic_problems(document)


def _is_newer(version: Any) -> bool:
    return type(version) is int and version > FORMAT_VERSION


def _version_problems(version: Any) -> list[Problem]:
    if version is UNREADABLE:
        start = f"start each document with 'switchboard: {FORMAT_VERSION}' (the format version)"
        return [Problem((), f"'switchboard' is required: {start}")]
    if _is_newer(version):
        message = (
            f"this file was written for a newer Switchboard (format {version}); "
            f"this one reads format {FORMAT_VERSION}"
        )
        return [Problem(("switchboard",), message)]
    if type(version) is not int or version != FORMAT_VERSION:
        message = f"the format version must be {FORMAT_VERSION}, got {show(version)}"
        return [Problem(("switchboard",), message)]
    return []


def _duplicate_key_problems(
    document: MappingDocument, earlier: list[tuple[MappingDocument, Any]]
) -> list[Problem]:
    key = endpoint_key(document.endpoint)
    for other, other_root in earlier:
        if endpoint_key(other.endpoint) == key:
            first_line = position(other_root, ("endpoint",))[0]
            setting = "key" if document.endpoint.key else "name"
            how = "" if document.endpoint.key else " (made from its name)"
            message = (
                f"the endpoint key {key!r}{how} is already used by the endpoint on line "
                f"{first_line}; give each endpoint its own 'key'"
            )
            return [Problem(("endpoint", setting), message)]
    return []


def _semantic_problems(document: MappingDocument) -> list[Problem]:
    """What the compiler finds wrong in a structurally valid document."""
    return _error_problems(check_document(document))


def _error_problems(errors: Sequence[MappingError]) -> list[Problem]:
    return [Problem(tuple(error.location), error.message) for error in errors]


# --- export ------------------------------------------------------------------------------


def dump_documents(documents: Sequence[MappingDocument]) -> str:
    """The canonical YAML of ``documents``: what export writes and import reads back."""
    return dump_yaml([_exported(document) for document in documents])


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
