"""Every value in the sample tree carries the path that reads exactly that value."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from server.mapping.apply import event_context
from server.mapping.paths import compile_path
from server.mapping.payload import Limits, normalise
from server.web.payload_tree import Node, leaf_text, payload_sections

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
ODD_NAMES = {
    "query": {"e mail": "q"},
    "body": {
        "fields": [{"name": "Company's \\ name", "value": "Acme"}, {"name": "x", "value": 1}],
        "lead-score": [{"score": "50"}],
        "3d": {"x.y": [True, None]},
    },
}


def leaves(nodes: list[Node]) -> list[Node]:
    found = []
    for node in nodes:
        found += leaves(node.children) if node.children else [node]
    return found


def sample_payloads() -> list[dict[str, object]]:
    form = normalise(
        method="POST",
        content_type="application/x-www-form-urlencoded",
        query_string=b"source=vbout",
        body=(SAMPLES / "platform-form-post.txt").read_bytes(),
        limits=Limits(),
    )
    return [
        form.as_json(),
        {"query": {}, "body": json.loads((SAMPLES / "platform-json-post.json").read_text())},
        ODD_NAMES,
    ]


@pytest.mark.parametrize("payload", sample_payloads(), ids=["form", "json", "odd names"])
def test_each_leaf_path_reads_the_value_shown(payload: dict[str, object]) -> None:
    context = event_context(payload, {})
    shown = [leaf for section in payload_sections(payload) for leaf in leaves(section.nodes)]

    assert len(shown) > 3
    for leaf in shown:
        assert leaf_text(compile_path(leaf.path).read(context)) == leaf.value, leaf.path


def test_custom_fields_are_read_by_name_in_brackets() -> None:
    [custom] = [s for s in payload_sections(ODD_NAMES) if s.title == "Custom fields"]

    assert [node.path for node in custom.nodes] == [
        "$.field['Company\\'s \\\\ name']",
        "$.field['x']",
    ]
