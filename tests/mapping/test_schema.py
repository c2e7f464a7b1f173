"""The published description of the format: the JSON Schema in docs/ and the reference page."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

import msgspec
import pytest
from jsonschema import Draft202012Validator
from ruamel.yaml import YAML

from server.mapping import spec
from server.mapping.files import schema_text

ROOT = Path(__file__).parents[2]
SCHEMA = ROOT / "docs" / "mapping-file.schema.json"
REFERENCE = (ROOT / "docs" / "mapping-files.md").read_text(encoding="utf-8")
REGENERATE = "python -m server.mapping.files --schema > docs/mapping-file.schema.json"
EXAMPLES = re.findall(r"```yaml\n(.*?)```", REFERENCE, re.S)


def test_the_committed_schema_is_the_one_generated_from_the_structs() -> None:
    assert SCHEMA.read_text(encoding="utf-8") == schema_text(), (
        f"docs/mapping-file.schema.json is out of date; regenerate it with: {REGENERATE}"
    )


def test_the_schema_command_prints_the_schema() -> None:
    printed = subprocess.run(
        [sys.executable, "-m", "server.mapping.files", "--schema"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert printed.stdout == schema_text()


def test_the_schema_is_a_valid_json_schema() -> None:
    Draft202012Validator.check_schema(msgspec.json.decode(schema_text()))


def _schema_errors(document: Any) -> list[str]:
    validator = Draft202012Validator(msgspec.json.decode(schema_text()))
    return [error.message for error in validator.iter_errors(document)]


@pytest.mark.parametrize("example", EXAMPLES)
def test_every_example_in_the_reference_matches_the_schema(example: str) -> None:
    for document in YAML(typ="safe").load_all(example):
        assert _schema_errors(document) == []


def test_the_schema_refuses_a_misspelt_setting() -> None:
    document = {"switchboard": 1, "endpoint": {"name": "x"}, "action": []}
    assert _schema_errors(document) == [
        "Additional properties are not allowed ('action' was unexpected)"
    ]


def _structs() -> list[type[msgspec.Struct]]:
    return [
        value
        for value in vars(spec).values()
        if isinstance(value, type)
        and issubclass(value, msgspec.Struct)
        and value.__module__ == spec.__name__
        and msgspec.structs.fields(value)
    ]


def _choices() -> list[str]:
    literals = [value for value in vars(spec).values() if get_origin(value) is Literal]
    return sorted({str(choice) for literal in literals for choice in get_args(literal)})


SETTINGS = sorted(
    {field.encode_name for struct in _structs() for field in msgspec.structs.fields(struct)}
)


def test_the_spec_has_settings_to_document() -> None:
    assert {"switchboard", "body_from", "from", "php_names", "any"} <= set(SETTINGS)


@pytest.mark.parametrize("setting", SETTINGS)
def test_every_setting_is_documented_in_the_reference(setting: str) -> None:
    assert f"`{setting}`" in REFERENCE, f"docs/mapping-files.md does not mention `{setting}`"


@pytest.mark.parametrize("choice", _choices())
def test_every_choice_of_every_setting_is_documented_in_the_reference(choice: str) -> None:
    assert f"`{choice}`" in REFERENCE, f"docs/mapping-files.md does not mention `{choice}`"
