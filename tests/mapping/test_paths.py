"""Reading values from an event with compiled paths."""

from __future__ import annotations

from typing import Any

import pytest

from server.mapping.errors import MappingError
from server.mapping.paths import MISSING, JsonPath, PlainPath, compile_path

EVENT: dict[str, Any] = {
    "body": {
        "contact": {"email": "jane@example.com", "id": "9"},
        "fields": [
            {"id": "1", "name": "First Name", "value": "Jane"},
            {"id": "2", "name": "Company", "value": "Acme & Co."},
        ],
        "lead-score": [{"score": "42"}],
        "empty": None,
    },
    "field": {"First Name": "Jane", "Company": "Acme & Co."},
}


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("$.body.contact.email", "jane@example.com"),
        ("$.body['lead-score'][0].score", "42"),
        ('$.body["lead-score"][0].score', "42"),
        ("$.body.lead-score[0].score", "42"),
        ("$.field['First Name']", "Jane"),
        ("$.field.Company", "Acme & Co."),
        ("$.body.fields[-1].value", "Acme & Co."),
        ("$.body.empty", None),
    ],
)
def test_plain_paths_are_walked_without_jsonpath(expression: str, expected: Any) -> None:
    reader = compile_path(expression)
    assert isinstance(reader, PlainPath)
    assert reader.read(EVENT) == expected


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("$.body.fields[?(@.name=='Company')].value", "Acme & Co."),
        ("$.body.fields[*].name", ["First Name", "Company"]),
        ("$..email", "jane@example.com"),
    ],
)
def test_general_jsonpath_handles_filters_and_wildcards(expression: str, expected: Any) -> None:
    reader = compile_path(expression)
    assert isinstance(reader, JsonPath)
    assert reader.read(EVENT) == expected


@pytest.mark.parametrize(
    "expression",
    [
        "$.body.contact.phone",
        "$.body.fields[5].value",
        "$.body.contact.email.deeper",
        "$.body.fields[?(@.name=='Nope')].value",
        "$.nothing[0]",
    ],
)
def test_a_path_that_matches_nothing_reads_missing(expression: str) -> None:
    assert compile_path(expression).read(EVENT) is MISSING


@pytest.mark.parametrize("expression", ["body.contact", "", "$.body[", "$.[[", "$" + ".a" * 1000])
def test_invalid_paths_are_refused_in_plain_words(expression: str) -> None:
    with pytest.raises(MappingError) as raised:
        compile_path(expression)
    assert raised.value.message


def test_a_path_is_compiled_once_and_cached() -> None:
    assert compile_path("$.body.contact.id") is compile_path("$.body.contact.id")
