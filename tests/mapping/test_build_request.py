"""Building an action's request from an event."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

import msgspec
import pytest

from server.mapping.apply import build_request, event_context, form_pairs, set_at_path
from server.mapping.compile import compile_action, parse_target_path
from server.mapping.errors import MappingError
from server.mapping.spec import Action

PAYLOAD: dict[str, Any] = {
    "query": {"list": "42"},
    "body": {
        "transactionid": "t-1",
        "contact": {"email": "  Jane.Doe@Example.COM ", "phone": "+1 (415) 555-0132"},
        "fields": [
            {"id": "1", "name": "First Name", "value": "jane"},
            {"id": "2", "name": "Company", "value": "Acme & Co."},
        ],
    },
}


def action(**spec: Any) -> Any:
    spec.setdefault("name", "send")
    return compile_action(0, msgspec.convert(spec, Action))


def test_fields_build_a_nested_json_body() -> None:
    compiled = action(
        request={"url": "https://crm.test/contacts"},
        fields={
            "properties.email": {"from": "$.body.contact.email", "transform": ["trim", "lower"]},
            "properties.firstname": {"from": "$.field['First Name']", "transform": ["proper"]},
            "properties.company": {"from": "$.body.fields[?(@.name=='Company')].value"},
            "properties.lifecyclestage": {"value": "lead"},
            "inputs[1].id": {"from": "$.query.list"},
        },
    )
    request = build_request(compiled, event_context(PAYLOAD, {}))
    assert request.method == "POST"
    assert ("Content-Type", "application/json") in request.headers
    assert request.body is not None
    assert json.loads(request.body) == {
        "properties": {
            "email": "jane.doe@example.com",
            "firstname": "Jane",
            "company": "Acme & Co.",
            "lifecyclestage": "lead",
        },
        "inputs": [None, {"id": "42"}],
    }


def test_a_missing_value_is_left_out_and_a_default_fills_it() -> None:
    compiled = action(
        request={"url": "https://crm.test/"},
        fields={
            "city": {"from": "$.field.City"},
            "country": {"from": "$.field.Country", "default": "unknown"},
        },
    )
    request = build_request(compiled, event_context(PAYLOAD, {}))
    assert request.body is not None
    assert json.loads(request.body) == {"country": "unknown"}


def test_form_bodies_use_bracket_keys() -> None:
    compiled = action(
        request={"url": "https://crm.test/", "body": "form"},
        fields={
            "person.email": {"from": "$.body.contact.email", "transform": ["trim"]},
            "tags[0]": {"value": "vbout"},
        },
    )
    request = build_request(compiled, event_context(PAYLOAD, {}))
    assert ("Content-Type", "application/x-www-form-urlencoded") in request.headers
    assert request.body is not None
    assert parse_qsl(request.body.decode()) == [
        ("person[email]", "Jane.Doe@Example.COM"),
        ("tags[0]", "vbout"),
    ]


def test_body_from_sends_the_whole_payload_as_clean_json() -> None:
    compiled = action(request={"url": "https://me.test/hook", "body_from": "$.body"})
    request = build_request(compiled, event_context(PAYLOAD, {}))
    assert request.body is not None
    assert json.loads(request.body) == PAYLOAD["body"]


def test_body_from_a_subtree_with_fields_set_on_top() -> None:
    compiled = action(
        request={"url": "https://me.test/hook", "body_from": "$.body.contact"},
        fields={"source": {"value": "vbout"}},
    )
    request = build_request(compiled, event_context(PAYLOAD, {}))
    assert request.body is not None
    assert json.loads(request.body) == {**PAYLOAD["body"]["contact"], "source": "vbout"}


def test_headers_query_and_url_templates_are_filled_in() -> None:
    compiled = action(
        request={
            "method": "PUT",
            "url": "https://crm.test/lists/{{ query.list }}/members",
            "headers": {"X-Source": "switchboard", "X-Contact": {"from": "$.body.transactionid"}},
            "query": {"email": {"from": "$.body.contact.email", "transform": ["trim"]}},
        },
    )
    request = build_request(compiled, event_context(PAYLOAD, {}))
    assert request.method == "PUT"
    assert request.url == "https://crm.test/lists/42/members?email=Jane.Doe%40Example.COM"
    assert ("X-Source", "switchboard") in request.headers
    assert ("X-Contact", "t-1") in request.headers
    assert request.body is None


def test_a_later_action_reads_keys_from_an_earlier_response() -> None:
    compiled = action(
        request={"url": "https://crm.test/lists/7/add"},
        fields={"contact_id": {"from": "$.keys.crm_id"}},
    )
    request = build_request(compiled, event_context(PAYLOAD, {"crm_id": "003abc"}))
    assert request.body is not None
    assert json.loads(request.body) == {"contact_id": "003abc"}


def test_custom_fields_sent_as_an_object_are_found_by_name_too() -> None:
    body = {"fields": {"0": {"name": "Company", "value": "Acme"}}}
    assert event_context({"body": body}, {})["field"] == {"Company": "Acme"}


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("email", ("email",)),
        ("properties.email", ("properties", "email")),
        ("items[0].id", ("items", 0, "id")),
        ("a['b.c'].d", ("a", "b.c", "d")),
    ],
)
def test_target_paths(target: str, expected: tuple[Any, ...]) -> None:
    assert parse_target_path(target) == expected


@pytest.mark.parametrize("target", ["", "[0]", "a..b", "a[x"])
def test_bad_target_paths_are_refused(target: str) -> None:
    with pytest.raises(MappingError):
        parse_target_path(target)


def test_set_at_path_overwrites_a_scalar_with_an_object() -> None:
    document: dict[str, Any] = {"a": "x"}
    set_at_path(document, ("a", "b"), 1)
    assert document == {"a": {"b": 1}}


def test_form_pairs_flatten_lists_and_booleans() -> None:
    assert form_pairs({"a": [{"b": True}], "c": None}) == [("a[0][b]", "true")]
