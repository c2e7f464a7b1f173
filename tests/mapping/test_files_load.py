"""Loading mapping files: YAML text becomes one MappingDocument per endpoint."""

from __future__ import annotations

from typing import Any

import pytest
from msgspec import UNSET

from server.mapping.files import Issue, MappingFileError, load_documents
from server.mapping.spec import (
    Action,
    Condition,
    CredentialDecl,
    EndpointSettings,
    MappingDocument,
    Request,
    ValueSource,
)

SPEC_EXAMPLE = """\
switchboard: 1
endpoint: {name: HubSpot contacts, methods: [POST], response: sync}
credentials: {hubspot: {type: bearer}}
actions:
  - name: upsert contact
    when: $.body.contact.email
    request: {method: POST, url: "https://api.hubapi.com/...", credential: hubspot}
    fields:
      properties.email: {from: $.body.contact.email, transform: [trim, lower]}
    response: {hubspot_id: $.id}
"""


def test_the_example_in_the_spec_loads_into_its_structs() -> None:
    assert load_documents(SPEC_EXAMPLE) == [
        MappingDocument(
            switchboard=1,
            endpoint=EndpointSettings(name="HubSpot contacts", methods=["POST"], response="sync"),
            credentials={"hubspot": CredentialDecl(type="bearer")},
            actions=[
                Action(
                    name="upsert contact",
                    when="$.body.contact.email",
                    request=Request(
                        method="POST", url="https://api.hubapi.com/...", credential="hubspot"
                    ),
                    fields={
                        "properties.email": ValueSource(
                            from_="$.body.contact.email", transform=["trim", "lower"]
                        )
                    },
                    response={"hubspot_id": "$.id"},
                )
            ],
        )
    ]


def test_each_yaml_document_is_one_endpoint_and_empty_documents_are_ignored() -> None:
    text = """\
---
switchboard: 1
endpoint: {name: First}
---
# nothing here
---
switchboard: 1
endpoint: {name: Second}
---
"""
    names = [document.endpoint.name for document in load_documents(text)]
    assert names == ["First", "Second"]


@pytest.mark.parametrize("text", ["", "\n", "# only a comment\n", "---\n---\n"])
def test_a_file_without_documents_holds_no_endpoints(text: str) -> None:
    assert load_documents(text) == []


def _field_value(written: str) -> Any:
    text = f"""\
switchboard: 1
endpoint: {{name: Values}}
actions:
  - name: send
    request: {{url: "https://example.com"}}
    fields:
      x: {{value: {written}}}
"""
    return load_documents(text)[0].actions[0].fields["x"].value


@pytest.mark.parametrize(
    ("written", "read"),
    [
        ("2024-05-01", "2024-05-01"),
        ("2024-05-01 10:30:00", "2024-05-01 10:30:00"),
        ("yes", "yes"),
        ("off", "off"),
        ("!!str 12", "12"),
        ("'01234'", "01234"),
        ("01234", 1234),
        ("0x10", 16),
        ("1.50", 1.5),
        ("true", True),
        ("null", None),
        ("[a, 1]", ["a", 1]),
        ("{a: {b: 1}}", {"a": {"b": 1}}),
    ],
)
def test_values_are_read_as_yaml_1_2_with_dates_kept_as_text(written: str, read: Any) -> None:
    value = _field_value(written)
    assert value == read
    assert type(value) is type(read)


def test_jsonpaths_with_brackets_filters_and_quotes_are_read_as_written() -> None:
    text = """\
switchboard: 1
endpoint: {name: Paths}
actions:
  - name: send
    request: {url: "https://example.com"}
    fields:
      company:
        from: $.field['Company']
      city:
        from: $.body.fields[?(@.name=='City')].value
      score:
        from: $.body['lead-score'][0].score
"""
    fields = load_documents(text)[0].actions[0].fields
    assert [source.from_ for source in fields.values()] == [
        "$.field['Company']",
        "$.body.fields[?(@.name=='City')].value",
        "$.body['lead-score'][0].score",
    ]


def test_anchors_and_merge_keys_let_actions_share_settings() -> None:
    text = """\
switchboard: 1
endpoint: {name: Shared}
actions:
  - name: first
    request: &target {url: "https://example.com/a", timeout: 5}
    fields: &contact
      email: {from: $.body.contact.email}
  - name: second
    request:
      <<: *target
      url: https://example.com/b
    fields: *contact
"""
    first, second = load_documents(text)[0].actions
    assert second.request == Request(url="https://example.com/b", timeout=5.0)
    assert second.fields == first.fields


def test_conditions_load_into_nested_structs() -> None:
    text = """\
switchboard: 1
endpoint: {name: Conditions}
actions:
  - name: hot leads
    request: {url: "https://example.com"}
    when:
      any:
        - {path: "$.field['Lead Status']", op: in, value: [Hot, Warm]}
        - {path: "$.body['lead-score'][0].score", op: gte, value: 50}
"""
    when = load_documents(text)[0].actions[0].when
    assert when == Condition(
        any=[
            Condition(path="$.field['Lead Status']", op="in", value=["Hot", "Warm"]),
            Condition(path="$.body['lead-score'][0].score", op="gte", value=50),
        ]
    )
    assert isinstance(when, Condition)
    assert when.all is UNSET


def test_a_file_with_problems_raises_one_error_listing_every_issue() -> None:
    text = """\
switchboard: 1
endpoint: {name: Broken, respons: sync}
actions:
  - name: send
"""
    with pytest.raises(MappingFileError) as raised:
        load_documents(text, filename="broken.yaml")
    assert [str(issue) for issue in raised.value.issues] == [
        "broken.yaml:2:26: endpoint: unknown setting 'respons' — did you mean 'response'?",
        "broken.yaml:4:5: actions[0]: 'request' is required",
    ]
    assert str(raised.value) == "\n".join(str(issue) for issue in raised.value.issues)


@pytest.mark.parametrize(
    ("issue", "text"),
    [
        (
            Issue(
                "hubspot.yaml",
                12,
                7,
                ("actions", 0, "fields", "properties.email", "transform", 1),
                "unknown transform 'lowr' — did you mean 'lower'?",
            ),
            "hubspot.yaml:12:7: actions[0].fields.properties.email.transform[1]: "
            "unknown transform 'lowr' — did you mean 'lower'?",
        ),
        (Issue("a.yaml", 3, None, ("endpoint",), "x"), "a.yaml:3: endpoint: x"),
        (Issue("a.yaml", None, None, (), "too deep"), "a.yaml: too deep"),
    ],
)
def test_an_issue_reads_as_file_line_column_location_and_message(issue: Issue, text: str) -> None:
    assert str(issue) == text
