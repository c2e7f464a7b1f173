"""The example data files of tests/presets/examples/: one per preset in mappings/.

Each file names its preset and fake, the secrets of its credentials, and a list of cases. A
case is an inbound request (a sample body from ``tests/samples/``, optionally changed, or a
body written out) and what must follow: the requests the fake receives, the keys the platform
is answered with, and the action that fails, if one does::

    preset: hubspot-contacts.yaml
    fake: hubspot
    secrets: {hubspot: {token: pat-na1-...}}
    cases:
      - name: the sample form post is upserted by email
        input:
          sample: platform-form-post.txt   # form samples may also have without: and set:
          query: audience_id=123           # the listener URL's query string
        requests:
          - {method: POST, path: /crm/..., query: {}, headers: {...}, json: {...}}
        keys: {hubspot_id: '37451'}
        fails: {action: upsert contact, status: 401}   # absent when every action succeeds
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus, unquote_plus

from ruamel.yaml import YAML
from support.target import ReceivedRequest

from server.mapping.payload import normalise

HERE = Path(__file__).resolve().parent
EXAMPLES = HERE / "examples"
INPUTS = Path(__file__).resolve().parent.parent / "samples"
MAPPINGS = HERE.parents[1] / "mappings"

CONTENT_TYPES = {".txt": "application/x-www-form-urlencoded", ".json": "application/json"}


@dataclass(frozen=True)
class Case:
    """One example: an inbound request and everything it must lead to."""

    preset: str
    fake: str
    fake_options: dict[str, Any]
    secrets: dict[str, dict[str, str]]
    name: str
    input: dict[str, Any]
    requests: list[dict[str, Any]]
    keys: dict[str, Any]
    fails: dict[str, Any] | None = None

    @property
    def id(self) -> str:
        return f"{self.preset}: {self.name}"


def example_files() -> list[Path]:
    return sorted(EXAMPLES.glob("*.yaml"))


def preset_files() -> list[Path]:
    return sorted(MAPPINGS.glob("*.yaml"))


def load_cases(path: Path) -> list[Case]:
    data = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
    return [
        Case(
            preset=data["preset"],
            fake=data["fake"],
            fake_options=case.get("fake_options", {}),
            secrets={**data.get("secrets", {}), **case.get("secrets", {})},
            name=case["name"],
            input=case["input"],
            requests=case["requests"],
            keys=case["keys"],
            fails=case.get("fails"),
        )
        for case in data["cases"]
    ]


def all_cases() -> list[Case]:
    return [case for path in example_files() for case in load_cases(path)]


def inbound_body(spec: dict[str, Any]) -> tuple[str, bytes]:
    """The content type and raw body of an example's inbound request."""
    if "json" in spec:
        return "application/json", json.dumps(spec["json"]).encode()
    sample = INPUTS / spec["sample"]
    content_type = spec.get("content_type", CONTENT_TYPES[sample.suffix])
    body = sample.read_bytes()
    if "without" in spec or "set" in spec:
        body = edited_form(body, spec.get("without", []), spec.get("set", {}))
    return content_type, body


def edited_form(body: bytes, without: list[str], values: dict[str, str]) -> bytes:
    """A form body without the pairs under ``without`` and with the values of ``values``.

    ``without: [fields]`` drops every ``fields[...]`` pair, ``contact[phone]`` only that one.
    The pairs of ``values`` replace those with the same name, at the end of the body.
    """
    kept = []
    for pair in body.decode("ascii").split("&"):
        name = unquote_plus(pair.split("=", 1)[0])
        gone = any(name == prefix or name.startswith(prefix + "[") for prefix in without)
        if not gone and name not in values:
            kept.append(pair)
    kept.extend(f"{quote_plus(name)}={quote_plus(value)}" for name, value in values.items())
    return "&".join(kept).encode("ascii")


def example_payload(spec: dict[str, Any]) -> dict[str, Any]:
    """The normalised payload the listener would store for this inbound request."""
    content_type, body = inbound_body(spec)
    payload = normalise(
        method="POST",
        content_type=content_type,
        query_string=spec.get("query", ""),
        body=body,
    )
    return payload.as_json()


def received(request: ReceivedRequest, expected: dict[str, Any]) -> dict[str, Any]:
    """The parts of a received request that ``expected`` describes, in the same shape.

    Headers are compared by the names the example lists (``null`` means "must be absent"); the
    body as JSON (``json``) or as raw text (``body``, ``null`` for no body).
    """
    described: dict[str, Any] = {
        "method": request.method,
        "path": request.path,
        "query": request.query_dict,
        "headers": {name: request.headers.get(name) for name in expected.get("headers", {})},
    }
    if "json" in expected:
        described["json"] = request.json
    if "body" in expected:
        described["body"] = request.text or None
    return described
