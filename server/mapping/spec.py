"""The mapping file, as typed structures.

A mapping file holds one or more YAML documents, each one endpoint:

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

These structs are the single definition of that shape: the loader decodes into them, the
JSON Schema in ``docs/`` is generated from them, and the exporter encodes them back.
Defaults are omitted on export so that export -> import -> export is byte-identical.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

import msgspec
from msgspec import UNSET, Meta, Struct, UnsetType, field

FORMAT_VERSION = 1

HttpMethod = Literal["GET", "POST", "PUT", "PATCH", "DELETE"]
ListenerMethod = Literal["POST", "GET"]
BodyKind = Literal["json", "form", "none"]
ResponseMode = Literal["sync", "async"]
CredentialType = Literal["bearer", "header", "query", "basic"]
ConditionOp = Literal[
    "present", "absent", "eq", "ne", "gt", "gte", "lt", "lte", "contains", "in", "matches"
]

Name = Annotated[str, Meta(min_length=1, max_length=200)]
Expression = Annotated[str, Meta(min_length=1, max_length=2000)]

# A transform step is either a bare name (``trim``) or a one-key mapping from the
# transform's name to its argument(s) (``{date: {to: "%Y-%m-%d", tz: Europe/Paris}}``).
TransformStep = str | dict[str, Any]


class _Base(Struct, forbid_unknown_fields=True, omit_defaults=True, kw_only=True):
    pass


class ValueSource(_Base):
    """Where one value comes from: exactly one of ``from``, ``value`` or ``template``.

    ``from`` is a JSONPath over the event context (``$.body...``, ``$.query...``,
    ``$.field['Company']``, ``$.keys.<key from an earlier action>``); ``value`` a constant;
    ``template`` a sandboxed Jinja2 template with the same context as variables.
    ``transform`` runs in order on the value; ``default`` replaces a missing or empty result.
    """

    from_: Expression | UnsetType = field(default=UNSET, name="from")
    value: Any = UNSET
    template: Expression | UnsetType = UNSET
    transform: list[TransformStep] = field(default_factory=list)
    default: Any = UNSET


class Condition(_Base):
    """When an action runs: ``all``/``any`` combine conditions, else ``path`` ``op`` ``value``."""

    path: Expression | UnsetType = UNSET
    op: ConditionOp = "present"
    value: Any = UNSET
    all: list[When] | UnsetType = UNSET
    any: list[When] | UnsetType = UNSET


# A header or query value is a constant string, or a full value source.
Parameter = str | ValueSource
# ``when: $.body.contact.email`` is short for ``{path: $.body.contact.email, op: present}``.
When = Expression | Condition
# A response key is a JSONPath over the target's response body, or a full value source.
ResponseKey = Expression | ValueSource


# Seconds an action's request waits for the target's answer unless it sets ``timeout``.
DEFAULT_TIMEOUT = 10.0


class Limits(_Base):
    """How hard an action may press its target's host (shared by every action to that host)."""

    # At most this many requests per second start, evenly spaced.
    per_second: Annotated[float, Meta(gt=0, le=10_000)] | None = None
    # At most this many requests under way at the same time.
    concurrency: Annotated[int, Meta(ge=1, le=1_000)] | None = None


class Request(_Base):
    """The target HTTP request of one action."""

    url: Expression
    method: HttpMethod = "POST"
    credential: Name | None = None
    body: BodyKind = "json"
    # Start the body from this subtree of the event (``$.body`` sends the whole payload as
    # clean JSON); ``fields`` are then set on top of it.
    body_from: Expression | None = None
    headers: dict[str, Parameter] = field(default_factory=dict)
    query: dict[str, Parameter] = field(default_factory=dict)
    timeout: Annotated[float, Meta(gt=0, le=300)] = DEFAULT_TIMEOUT
    limits: Limits | None = None


class Action(_Base):
    """One target HTTP request, built from rules, with keys extracted from its response."""

    name: Name
    request: Request
    when: When | None = None
    fields: dict[str, ValueSource] = field(default_factory=dict)
    response: dict[str, ResponseKey] = field(default_factory=dict)


class EndpointSettings(_Base):
    """The listener: its identity and how it receives and answers."""

    name: Name
    # Stable identity used by import to update rather than duplicate; derived from the name
    # when absent, always written on export.
    key: Annotated[str, Meta(pattern=r"^[a-z0-9][a-z0-9-]{0,99}$")] | None = None
    description: str = ""
    methods: list[ListenerMethod] = field(default_factory=lambda: ["POST"])
    response: ResponseMode = "sync"
    # JSONPath whose value identifies a retry of the same event, or "none".
    dedupe: Expression = "$.body.transactionid"
    # Rewrite "." and " " in top-level names to "_" as PHP does (for ported PHP listeners).
    php_names: bool = False
    # Seconds before each retry of a delivery that failed in a way worth retrying (no answer,
    # 429, 5xx); absent: the default schedule; []: never retry.
    retries: list[Annotated[float, Meta(ge=0, le=7 * 24 * 3600)]] | None = None
    # A sync endpoint answers within this many seconds; a slower delivery goes on afterwards.
    deadline: Annotated[float, Meta(gt=0, le=300)] = 25.0
    enabled: bool = True


class CredentialDecl(_Base):
    """A credential the actions refer to by name. Never holds the secret itself."""

    type: CredentialType
    # type header: the header's name (default X-API-Key); type query: the parameter's name.
    name: str | None = None
    description: str = ""


class MappingDocument(_Base):
    """One endpoint with its actions: one YAML document of a mapping file."""

    switchboard: Literal[1]
    endpoint: EndpointSettings
    credentials: dict[str, CredentialDecl] = field(default_factory=dict)
    actions: list[Action] = field(default_factory=list)


# Keys the web UI's own addresses use (``/endpoints/new``): an endpoint with one could not be shown.
RESERVED_KEYS = frozenset({"new"})


def endpoint_key(settings: EndpointSettings) -> str:
    """The endpoint's stable key: the declared one, else a slug of its name."""
    if settings.key:
        return settings.key
    slug = re.sub(r"[^a-z0-9]+", "-", settings.name.lower()).strip("-")[:100].strip("-")
    return slug or "endpoint"


def json_schema() -> dict[str, Any]:
    """The JSON Schema of one mapping document, generated from the structs above."""
    schema: dict[str, Any] = msgspec.json.schema(MappingDocument)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "Switchboard mapping document"
    return schema
