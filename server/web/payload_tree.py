"""A captured payload as a tree a marketer can read: contact, custom fields by name, the rest.

Values stay data: they are turned into text here and escaped by the templates, never marked
safe. The sections follow how the platform sends a contact (``contact[...]``, ``fields[n]``
with ``name`` and ``value``); a payload of another shape shows whole under "Everything else".
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from server.mapping.apply import custom_fields_by_name

# Sections of the body shown on their own, before everything else.
CONTACT_KEY = "contact"
FIELDS_KEY = "fields"
# A name a path can write as ``.name``; any other is written ``['name']``.
_PLAIN_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")


@dataclass(frozen=True, slots=True)
class Node:
    """One line of the tree: a label and either a value (a leaf) or children.

    ``path`` is the JSONPath that reads this value, which the mapping builder writes when
    the line is picked.
    """

    label: str
    value: str | None = None
    children: list[Node] = field(default_factory=list)
    path: str = ""

    @property
    def is_leaf(self) -> bool:
        return not self.children and self.value is not None


@dataclass(frozen=True, slots=True)
class Section:
    """A titled group of nodes (Contact, Custom fields, Everything else)."""

    title: str
    nodes: list[Node]


def payload_sections(payload: Mapping[str, Any]) -> list[Section]:
    """The stored payload (``{"query": ..., "body": ...}``) as the sections the UI shows."""
    body = payload.get("body") or {}
    query = payload.get("query") or {}
    sections = []
    contact = body.get(CONTACT_KEY)
    if isinstance(contact, Mapping) and contact:
        sections.append(Section("Contact", nodes_of(contact, "$.body.contact")))
    custom = custom_fields_by_name(body)
    if custom:
        # Custom fields are read by their name as the platform shows it: always in brackets.
        nodes = [node(name, value, f"$.field{quoted_step(name)}") for name, value in custom.items()]
        sections.append(Section("Custom fields", nodes))
    rest = {key: value for key, value in body.items() if not _shown_above(key, body, custom)}
    if rest:
        sections.append(Section("Everything else", nodes_of(rest, "$.body")))
    if query:
        sections.append(Section("In the URL's query string", nodes_of(query, "$.query")))
    return sections


def _shown_above(key: str, body: Mapping[str, Any], custom: Mapping[str, Any]) -> bool:
    if key == CONTACT_KEY:
        return isinstance(body[key], Mapping) and bool(body[key])
    return key == FIELDS_KEY and bool(custom)


def nodes_of(value: Mapping[str, Any] | list[Any], path: str = "$") -> list[Node]:
    """One node per entry of a mapping (by key) or list (numbered from 1, as people count)."""
    if isinstance(value, Mapping):
        return [node(str(key), item, path + path_step(str(key))) for key, item in value.items()]
    return [
        node(str(number), item, f"{path}[{number - 1}]") for number, item in enumerate(value, 1)
    ]


def node(label: str, value: Any, path: str = "") -> Node:
    if isinstance(value, Mapping | list) and value:
        return Node(label, children=nodes_of(value, path), path=path)
    return Node(label, value=leaf_text(value), path=path)


def path_step(name: str) -> str:
    """``.name`` when the name allows it, else ``['name']`` (quotes and backslashes escaped)."""
    return f".{name}" if _PLAIN_NAME.fullmatch(name) else quoted_step(name)


def quoted_step(name: str) -> str:
    """``['name']``, with quotes and backslashes escaped."""
    escaped = name.replace("\\", "\\\\").replace("'", "\\'")
    return f"['{escaped}']"


def leaf_text(value: Any) -> str:
    """How a single value reads: text as it is, other values as JSON would write them."""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)
