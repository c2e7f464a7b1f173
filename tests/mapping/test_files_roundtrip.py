"""Export writes one canonical YAML form, and export -> import -> export is byte-identical."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from server.mapping.files import dump_documents, load_documents
from server.mapping.spec import (
    Action,
    EndpointSettings,
    MappingDocument,
    Request,
    ValueSource,
)

ROOT = Path(__file__).parents[2]
DOCS = ROOT / "docs" / "mapping-files.md"
EXAMPLES = re.findall(r"```yaml\n(.*?)```", DOCS.read_text(encoding="utf-8"), re.S)
PRESETS = sorted((ROOT / "mappings").glob("**/*.yaml"))
FILES = [pytest.param(text, id=f"docs example {n}") for n, text in enumerate(EXAMPLES, 1)] + [
    pytest.param(path.read_text(encoding="utf-8"), id=path.name) for path in PRESETS
]


@pytest.mark.parametrize("text", FILES)
def test_export_import_export_is_byte_identical(text: str) -> None:
    exported = dump_documents(load_documents(text))
    assert dump_documents(load_documents(exported)) == exported


@pytest.mark.parametrize("text", FILES)
def test_importing_an_export_gives_the_same_documents(text: str) -> None:
    documents = load_documents(text)
    assert load_documents(dump_documents(documents)) == documents


@pytest.mark.parametrize("example", EXAMPLES)
def test_the_reference_shows_its_examples_exactly_as_export_writes_them(example: str) -> None:
    assert dump_documents(load_documents(example)) == example


def _document(**action: Any) -> MappingDocument:
    request = action.pop("request", Request(url="https://x.test"))
    return MappingDocument(
        switchboard=1,
        endpoint=EndpointSettings(name="Canonical"),
        actions=[Action(name="send", request=request, **action)],
    )


def test_settings_left_at_their_default_are_not_written() -> None:
    text = """\
switchboard: 1
endpoint:
  name: Defaults
  key: null
  description: ''
  methods: [POST]
  response: sync
  dedupe: $.body.transactionid
  php_names: false
  enabled: true
credentials: {}
actions:
  - name: send
    request:
      url: https://x.test
      method: POST
      credential: null
      body: json
      body_from: null
      headers: {}
      query: {}
      timeout: 10
    when: null
    fields:
      a: {from: $.body.a, transform: []}
      b: {from: $.body.b, when: {}}
    response: {}
"""
    assert (
        dump_documents(load_documents(text.replace("      b: {from: $.body.b, when: {}}\n", "")))
        == """\
switchboard: 1
endpoint:
  name: Defaults
actions:
  - name: send
    request:
      url: https://x.test
    fields:
      a:
        from: $.body.a
"""
    )


def test_settings_are_written_in_the_order_of_the_reference_whatever_the_input_order() -> None:
    text = """\
actions:
  - response: {id: $.id}
    request: {timeout: 5, url: "https://x.test", method: PUT}
    name: send
endpoint: {enabled: false, name: Ordered}
switchboard: 1
"""
    assert (
        dump_documents(load_documents(text))
        == """\
switchboard: 1
endpoint:
  name: Ordered
  enabled: false
actions:
  - name: send
    request:
      url: https://x.test
      method: PUT
      timeout: 5.0
    response:
      id: $.id
"""
    )


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("Jane", "Jane"),
        ("$.field['Company']", "$.field['Company']"),
        ("$.body.fields[?(@.name=='City')].value", "$.body.fields[?(@.name=='City')].value"),
        ("[#EMAIL#]", "'[#EMAIL#]'"),
        ("@home", "'@home'"),
        ("{{ body.contact.email }}", "'{{ body.contact.email }}'"),
        ("{{ field['First Name'] }}", "\"{{ field['First Name'] }}\""),
        ("a: b", "'a: b'"),
        ("a #b", "'a #b'"),
        ("yes", "yes"),
        ("true", "'true'"),
        ("null", "'null'"),
        ("42", "'42'"),
        ("2024-05-01", "'2024-05-01'"),
        ("", "''"),
        (" padded", "' padded'"),
        ("tab\there", '"tab\\there"'),
        ("Zoë ✓", "Zoë ✓"),
    ],
)
def test_text_is_quoted_only_when_yaml_needs_it(value: str, written: str) -> None:
    exported = dump_documents([_document(fields={"x": ValueSource(value=value)})])
    assert f"        value: {written}\n" in exported
    assert load_documents(exported)[0].actions[0].fields["x"].value == value


def test_multi_line_text_is_written_as_a_block() -> None:
    template = "Hello {{ field['First Name'] }},\n\nwelcome!\n"
    exported = dump_documents([_document(fields={"x": ValueSource(template=template)})])
    assert "        template: |\n          Hello {{ field['First Name'] }},\n\n" in exported
    assert load_documents(exported)[0].actions[0].fields["x"].template == template


def test_nothing_is_written_as_null() -> None:
    exported = dump_documents([_document(fields={"x": ValueSource(value=None)})])
    assert "        value: null\n" in exported


def test_documents_are_separated_by_dashes_and_the_file_ends_with_a_newline() -> None:
    first = MappingDocument(switchboard=1, endpoint=EndpointSettings(name="One"))
    second = MappingDocument(switchboard=1, endpoint=EndpointSettings(name="Two"))
    assert dump_documents([first, second]) == (
        "switchboard: 1\nendpoint:\n  name: One\n---\nswitchboard: 1\nendpoint:\n  name: Two\n"
    )


def test_no_documents_export_as_an_empty_file() -> None:
    assert dump_documents([]) == ""


# Any text, including control characters, line separators and byte order marks.
texts = st.text(max_size=30)
names = st.text(min_size=1, max_size=30)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | texts,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(texts, inner, max_size=3),
    max_leaves=6,
)
sources = st.one_of(
    st.builds(ValueSource, from_=names, transform=st.lists(names, max_size=2)),
    st.builds(ValueSource, value=json_values, default=json_values),
    st.builds(ValueSource, template=names),
)
requests = st.builds(
    Request,
    url=names,
    headers=st.dictionaries(texts, names | sources, max_size=2),
    timeout=st.floats(min_value=0.001, max_value=300),
)
actions = st.builds(
    Action,
    name=names,
    request=requests,
    when=st.none() | names,
    fields=st.dictionaries(texts, sources, max_size=3),
    response=st.dictionaries(texts, names | sources, max_size=2),
)
documents = st.builds(
    MappingDocument,
    switchboard=st.just(1),
    endpoint=st.builds(EndpointSettings, name=names, description=texts),
    actions=st.lists(actions, max_size=2),
)


@settings(deadline=None)
@given(st.lists(documents, max_size=2))
def test_any_text_survives_export_and_export_is_stable(written: list[MappingDocument]) -> None:
    exported = dump_documents(written)
    # Read back with a plain YAML 1.2 loader: export must not depend on our own loader.
    read = [msgspec.convert(data, MappingDocument) for data in YAML(typ="safe").load_all(exported)]
    assert read == written
    assert dump_documents(read) == exported
