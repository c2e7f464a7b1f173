"""Validating mapping files: every problem, with its line and column, in plain words."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from server.mapping.errors import MappingError
from server.mapping.files import MAX_VALUES, locate, validate_text

DOCS = Path(__file__).parents[2] / "docs" / "mapping-files.md"

HEAD = """\
switchboard: 1
endpoint: {name: Checks}
"""


def _issues(text: str) -> list[str]:
    return [str(issue) for issue in validate_text(text, filename="f.yaml")]


def _action(body: str) -> str:
    """A document with one action whose settings are ``body`` (indented by 4)."""
    return HEAD + "actions:\n  - name: send\n" + body


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            _action("    request: {url: 'https://x.test', mehtod: POST}\n"),
            ["f.yaml:5:38: actions[0].request: unknown setting 'mehtod' — did you mean 'method'?"],
            id="unknown setting with a suggestion",
        ),
        pytest.param(
            HEAD + "colour: blue\n",
            ["f.yaml:3:1: unknown setting 'colour'"],
            id="unknown setting without a close match",
        ),
        pytest.param(
            _action(""),
            ["f.yaml:4:5: actions[0]: 'request' is required"],
            id="missing required setting",
        ),
        pytest.param(
            HEAD + "actions:\n  - name: 5\n    request: {url: 'https://x.test'}\n",
            ["f.yaml:4:5: actions[0].name: expected text, got a number"],
            id="number where text is expected",
        ),
        pytest.param(
            _action("    request: {url: 'https://x.test', method: PSOT}\n"),
            [
                "f.yaml:5:38: actions[0].request.method: 'PSOT' is not allowed here; "
                "choose one of: GET, POST, PUT, PATCH, DELETE — did you mean 'POST'?"
            ],
            id="misspelt choice",
        ),
        pytest.param(
            _action("    request: {url: 'https://x.test', body: JSON}\n"),
            [
                "f.yaml:5:38: actions[0].request.body: 'JSON' is not allowed here; "
                "choose one of: json, form, none — did you mean 'json'?"
            ],
            id="choice in the wrong case",
        ),
        pytest.param(
            "switchboard: 1\nendpoint: {name: Checks, methods: [PUT]}\n",
            [
                "f.yaml:2:36: endpoint.methods[0]: 'PUT' is not allowed here; "
                "choose one of: POST, GET"
            ],
            id="choice in a list",
        ),
        pytest.param(
            "switchboard: 1\nendpoint: {name: ''}\n",
            ["f.yaml:2:12: endpoint.name: must not be empty"],
            id="empty name",
        ),
        pytest.param(
            "switchboard: 1\nendpoint: {name: x, key: Hub Spot}\n",
            [
                "f.yaml:2:21: endpoint.key: 'Hub Spot' is not allowed here: use lowercase letters, "
                "digits and dashes (at most 100), starting with a letter or digit"
            ],
            id="key with spaces and capitals",
        ),
        pytest.param(
            _action("    request: {url: 'https://x.test', timeout: 0}\n"),
            ["f.yaml:5:38: actions[0].request.timeout: must be more than 0"],
            id="timeout of zero",
        ),
        pytest.param(
            _action("    request: {url: 'https://x.test', timeout: 301}\n"),
            ["f.yaml:5:38: actions[0].request.timeout: must be at most 300"],
            id="timeout too long",
        ),
        pytest.param(
            _action("    request: {url: 'https://x.test', timeout: '10'}\n"),
            ["f.yaml:5:38: actions[0].request.timeout: expected a number, got text"],
            id="quoted number",
        ),
        pytest.param(
            _action("    request: {url: 'https://x.test'}\n    fields: {email: $.body.email}\n"),
            [
                "f.yaml:6:14: actions[0].fields.email: expected a group of settings, got text: "
                "write {from: $.body.email}"
            ],
            id="field written as a bare path",
        ),
        pytest.param(
            _action("    request: {url: 'https://x.test'}\n    fields: {source: vbout}\n"),
            [
                "f.yaml:6:14: actions[0].fields.source: expected a group of settings, got text: "
                "write {value: vbout}"
            ],
            id="field written as a bare constant",
        ),
        pytest.param(
            _action("    request: {url: 'https://x.test'}\n    fields: [email]\n"),
            ["f.yaml:6:5: actions[0].fields: expected a group of settings, got a list"],
            id="fields as a list",
        ),
        pytest.param(
            _action("    request: {url: 'https://x.test'}\n    fields: {1: {value: x}}\n"),
            ["f.yaml:6:14: actions[0].fields.1: this name must be text"],
            id="field name that is a number",
        ),
        pytest.param(
            _action("    request: {url: 'https://x.test'}\n    response: {id: [$.id]}\n"),
            [
                "f.yaml:6:16: actions[0].response.id: "
                "expected text or a group of settings, got a list"
            ],
            id="response key as a list",
        ),
        pytest.param(
            _action("    request: {url: 'https://x.test'}\n    when: 5\n"),
            ["f.yaml:6:5: actions[0].when: expected text or a group of settings, got a number"],
            id="condition as a number",
        ),
        pytest.param(
            _action("    request:\n"),
            [
                "f.yaml:5:5: actions[0].request: "
                "expected a group of settings, got nothing (an empty value)"
            ],
            id="empty group",
        ),
        pytest.param(
            _action("    request: {url: 'https://x.test'}\n    when: {path: $.a, op: equals}\n"),
            [
                "f.yaml:6:23: actions[0].when.op: 'equals' is not allowed here; choose one of: "
                "present, absent, eq, ne, gt, gte, lt, lte, contains, in, matches"
            ],
            id="unknown condition operator",
        ),
        pytest.param(
            HEAD + "? [a, b]\n: 1\n",
            [
                "f.yaml:1:1: names must be text, not a list or a group",
                "f.yaml:1:1: unknown setting \"('a', 'b')\"",
            ],
            id="name that is a list",
        ),
        pytest.param(
            "endpoint: {name: Checks}\n",
            [
                "f.yaml:1:1: 'switchboard' is required: "
                "start each document with 'switchboard: 1' (the format version)"
            ],
            id="version missing",
        ),
        pytest.param(
            "switchboard: 2\nendpoint: {name: Checks, webhooks: [a]}\nrouting: {}\n",
            [
                "f.yaml:1:1: switchboard: this file was written for a newer Switchboard "
                "(format 2); this one reads format 1"
            ],
            id="newer version: nothing else is reported",
        ),
        pytest.param(
            "switchboard: one\nendpoint: {name: Checks}\n",
            ["f.yaml:1:1: switchboard: the format version must be 1, got 'one'"],
            id="version as text",
        ),
        pytest.param(
            "switchboard: true\nendpoint: {name: Checks}\n",
            ["f.yaml:1:1: switchboard: the format version must be 1, got true"],
            id="version as a boolean",
        ),
        pytest.param(
            "- switchboard: 1\n",
            [
                "f.yaml:1:1: each document must be a group of settings "
                "starting with 'switchboard: 1', got a list"
            ],
            id="document that is a list",
        ),
        pytest.param(
            "switchboard: 1\nendpoint: {name: [1\n",
            [
                "f.yaml:3:1: this is not valid YAML: expected ',' or ']', "
                "but got '<stream end>' (while parsing a flow sequence)"
            ],
            id="unclosed bracket",
        ),
        pytest.param(
            "switchboard: 1\nendpoint:\n  name: a\n  name: b\n",
            ["f.yaml:4:3: 'name' is written twice here; keep one"],
            id="setting written twice",
        ),
        pytest.param(
            "switchboard: 1\nendpoint:\n\tname: a\n",
            [
                "f.yaml:3:1: this is not valid YAML: found character '\\t' that cannot start "
                "any token (indent with spaces, not tabs) (while scanning for the next token)"
            ],
            id="tab indentation",
        ),
        pytest.param(
            HEAD + "description: !include other.yaml\n",
            [
                "f.yaml:3:1: description: YAML tags such as '!include' are not supported here",
                "f.yaml:3:1: unknown setting 'description'",
            ],
            id="custom tag",
        ),
        pytest.param(
            "switchboard: 1\nendpoint: {name: !!python/object:os.system x}\n",
            [
                "f.yaml:2:12: endpoint.name: YAML tags such as "
                "'!!python/object:os.system' are not supported here"
            ],
            id="python object tag",
        ),
        pytest.param(
            "switchboard: 1\nendpoint: {name: !!binary aGVsbG8=}\n",
            [
                "f.yaml:2:12: endpoint.name: this kind of YAML value is not supported here; "
                "use text, a number, true or false, a list or a group of settings"
            ],
            id="binary value",
        ),
    ],
)
def test_each_problem_is_reported_at_its_line_in_plain_words(
    text: str, expected: list[str]
) -> None:
    assert _issues(text) == expected


def test_a_valid_file_has_no_issues() -> None:
    assert _issues(_action("    request: {url: 'https://x.test'}\n")) == []


def test_every_problem_of_every_document_is_reported_in_file_order() -> None:
    text = """\
switchboard: 1
endpoint: {name: One, respons: sync}
---
endpoint: {name: Two}
actions:
  - name: send
"""
    assert _issues(text) == [
        "f.yaml:2:23: endpoint: unknown setting 'respons' — did you mean 'response'?",
        "f.yaml:4:1: 'switchboard' is required: "
        "start each document with 'switchboard: 1' (the format version)",
        "f.yaml:6:5: actions[0]: 'request' is required",
    ]


@pytest.mark.parametrize(
    ("second", "expected"),
    [
        pytest.param(
            "endpoint: {name: 'HubSpot Contacts!'}",
            "f.yaml:5:12: endpoint.name: the endpoint key 'hubspot-contacts' (made from its name) "
            "is already used by the endpoint on line 2; give each endpoint its own 'key'",
            id="key made from the name",
        ),
        pytest.param(
            "endpoint: {name: Other, key: hubspot-contacts}",
            "f.yaml:5:25: endpoint.key: the endpoint key 'hubspot-contacts' "
            "is already used by the endpoint on line 2; give each endpoint its own 'key'",
            id="key written",
        ),
    ],
)
def test_two_documents_with_the_same_endpoint_key_are_refused(second: str, expected: str) -> None:
    text = f"switchboard: 1\nendpoint: {{name: HubSpot contacts}}\n---\nswitchboard: 1\n{second}\n"
    assert _issues(text) == [expected]


def test_an_alias_bomb_is_refused_without_being_expanded() -> None:
    lines = ["switchboard: 1", "endpoint: {name: Bomb}", "a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 10)}]" for n in range(1, 9)]
    assert _issues("\n".join(lines) + "\n") == [
        f"f.yaml:1:1: this document holds more than {MAX_VALUES} values (repeated aliases?)"
    ]


def test_a_file_nested_too_deeply_is_refused() -> None:
    text = "switchboard: 1\nendpoint: " + "[" * 400 + "]" * 400 + "\n"
    assert _issues(text) == ["f.yaml: the file is nested too deeply to be a mapping file"]


LOCATED = """\
switchboard: 1
endpoint:
  name: Located
actions:
  - name: send
    request:
      url: https://x.test
    when: $.body.contact.email
    fields:
      properties.email:
        from: $.body.contact.email
        transform: [trim, lowr]
"""


@pytest.mark.parametrize(
    ("location", "line", "column"),
    [
        pytest.param((), 1, 1, id="the document"),
        pytest.param(("endpoint", "name"), 3, 3, id="a scalar: its key"),
        pytest.param(("actions", 0, "request"), 6, 5, id="a group: its key"),
        pytest.param(("actions", 0), 5, 5, id="a list item"),
        pytest.param(
            ("actions", 0, "fields", "properties.email", "transform", 1),
            12,
            27,
            id="an item of a flow list",
        ),
        pytest.param(("actions", 0, "when", "path"), 8, 5, id="inside a shorthand: the shorthand"),
        pytest.param(("actions", 3, "name"), 4, 1, id="past the end of a list: the list"),
    ],
)
def test_errors_found_after_loading_are_located_at_their_setting(
    location: tuple[str | int, ...], line: int, column: int
) -> None:
    error = MappingError("something is wrong here", location)
    [issue] = locate(LOCATED, [error], filename="f.yaml")
    assert (issue.line, issue.column, issue.location) == (line, column, location)
    assert issue.message == "something is wrong here"


def test_semantic_errors_are_reported_with_their_lines() -> None:
    text = """\
switchboard: 1
endpoint: {name: Semantic}
actions:
  - name: create
    request: {url: 'https://x.test', credential: crm}
    fields:
      email: {from: $.body.contact.email, transform: [trim, lowr]}
      city: {from: "$.body.fields[?(@.name=='City'"}
    response: {id: $.id}
  - name: create
    request: {url: 'https://x.test'}
    fields:
      list: {from: $.keys.list_id}
"""
    issues = validate_text(text, filename="f.yaml")
    assert [(issue.location, issue.line, issue.column) for issue in issues] == [
        (("actions", 0, "request", "credential"), 5, 38),
        (("actions", 0, "fields", "email", "transform", 1), 7, 61),
        (("actions", 0, "fields", "city", "from"), 8, 14),
        (("actions", 1, "name"), 10, 5),
        (("actions", 1), 10, 5),
    ]
    messages = [issue.message for issue in issues]
    assert "'crm'" in messages[0]
    assert "'lowr'" in messages[1]
    assert "JSONPath" in messages[2]
    assert "'create'" in messages[3]
    assert "$.keys.list_id" in messages[4]


def _documented(info: str) -> list[str]:
    return re.findall(rf"```{info}\n(.*?)```", DOCS.read_text(encoding="utf-8"), re.S)


@pytest.mark.parametrize("example", _documented("yaml"))
def test_every_example_in_the_reference_is_valid(example: str) -> None:
    assert validate_text(example, filename="example.yaml") == []


def test_the_documented_validation_messages_are_the_real_ones() -> None:
    [broken] = _documented("yaml broken")
    [messages] = _documented("text")
    issues = validate_text(broken, filename="hubspot.yaml")
    assert "".join(f"{issue}\n" for issue in issues) == messages
