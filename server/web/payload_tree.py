"""A captured payload as a tree a marketer can read: contact, custom fields by name, the rest.

Values stay data: they are turned into text here and escaped by the templates, never marked
safe. The sections follow how the platform sends a contact (``contact[...]``, ``fields[n]``
with ``name`` and ``value``); a payload of another shape shows whole under "Everything else".
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from server.mapping.apply import custom_fields_by_name

# Sections of the body shown on their own, before everything else.
CONTACT_KEY = "contact"
FIELDS_KEY = "fields"


@dataclass(frozen=True, slots=True)
class Node:
    """One line of the tree: a label and either a value (a leaf) or children."""

    label: str
    value: str | None = None
    children: list[Node] = field(default_factory=list)

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
        sections.append(Section("Contact", nodes_of(contact)))
    custom = custom_fields_by_name(body)
    if custom:
        sections.append(Section("Custom fields", nodes_of(custom)))
    rest = {key: value for key, value in body.items() if not _shown_above(key, body, custom)}
    if rest:
        sections.append(Section("Everything else", nodes_of(rest)))
    if query:
        sections.append(Section("In the URL's query string", nodes_of(query)))
    return sections


def _shown_above(key: str, body: Mapping[str, Any], custom: Mapping[str, Any]) -> bool:
    if key == CONTACT_KEY:
        return isinstance(body[key], Mapping) and bool(body[key])
    return key == FIELDS_KEY and bool(custom)


def nodes_of(value: Mapping[str, Any] | list[Any]) -> list[Node]:
    """One node per entry of a mapping (by key) or list (numbered from 1, as people count)."""
    items = value.items() if isinstance(value, Mapping) else enumerate(value, start=1)
    return [node(str(label), item) for label, item in items]


def node(label: str, value: Any) -> Node:
    if isinstance(value, Mapping | list) and value:
        return Node(label, children=nodes_of(value))
    return Node(label, value=leaf_text(value))


def leaf_text(value: Any) -> str:
    """How a single value reads: text as it is, other values as JSON would write them."""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)
