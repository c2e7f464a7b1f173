"""Evaluate a compiled action against one event: the request to send, the keys to read back."""

from __future__ import annotations

import copy
import itertools
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

import msgspec

from server.mapping.compile import CompiledAction, CompiledValue, TargetPath
from server.mapping.errors import MappingError
from server.mapping.paths import MISSING
from server.mapping.request import OutboundRequest

JSON_CONTENT_TYPE = "application/json"
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"


class ResponseError(MappingError):
    """The target answered, but not in a way the action's response keys can be read from."""


def event_context(payload: Mapping[str, Any], keys: Mapping[str, Any]) -> dict[str, Any]:
    """The variables paths and templates read: query, body, field (by name) and keys."""
    body = payload.get("body") or {}
    return {
        "query": payload.get("query") or {},
        "body": body,
        "field": custom_fields_by_name(body),
        "keys": dict(keys),
    }


def custom_fields_by_name(body: Mapping[str, Any]) -> dict[str, Any]:
    """``fields`` as the platform sends it (a list of {id, name, value}) keyed by name."""
    fields = body.get("fields")
    if isinstance(fields, Mapping):
        fields = list(fields.values())
    if not isinstance(fields, list):
        return {}
    return {
        str(item["name"]): item.get("value")
        for item in fields
        if isinstance(item, Mapping) and "name" in item
    }


def build_request(action: CompiledAction, context: Mapping[str, Any]) -> OutboundRequest:
    """The HTTP request this action sends for this event (credentials not yet applied)."""
    url = _text_of("request.url", action.url, context)
    if not url:
        raise MappingError(f"action '{action.name}': the URL is empty for this event")
    query = _parameters(action.query, context)
    headers = _parameters(action.headers, context)
    body: bytes | None = None
    if action.sends_body:
        content = _body_content(action, context)
        if action.body_kind == "json":
            body = msgspec.json.encode(content)
            headers.append(("Content-Type", JSON_CONTENT_TYPE))
        else:
            body = urlencode(form_pairs(content)).encode()
            headers.append(("Content-Type", FORM_CONTENT_TYPE))
    return OutboundRequest(
        method=action.method,
        url=with_query(url, query),
        headers=tuple(headers),
        body=body,
        timeout=action.timeout,
    )


def _text_of(where: str, value: CompiledValue, context: Mapping[str, Any]) -> str:
    result = value.evaluate(context)
    return "" if result is None else _as_text(result)


def _parameters(
    parameters: tuple[tuple[str, CompiledValue], ...], context: Mapping[str, Any]
) -> list[tuple[str, str]]:
    pairs = []
    for name, value in parameters:
        result = value.evaluate(context)
        if result is not None:
            pairs.append((name, _as_text(result)))
    return pairs


def _as_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | dict):
        return msgspec.json.encode(value).decode()
    return str(value)


def with_query(url: str, pairs: list[tuple[str, str]]) -> str:
    """The URL with ``pairs`` appended to whatever query it already has."""
    if not pairs:
        return url
    parts = urlsplit(url)
    extra = urlencode(pairs)
    return urlunsplit(parts._replace(query=f"{parts.query}&{extra}" if parts.query else extra))


def _body_content(action: CompiledAction, context: Mapping[str, Any]) -> Any:
    content: Any = {}
    if action.body_from is not None:
        found = action.body_from.read(context)
        content = {} if found is MISSING or found is None else copy.deepcopy(found)
    if action.fields and not isinstance(content, dict):
        raise MappingError(
            f"action '{action.name}': 'body_from' selected a {type(content).__name__}, "
            "so fields cannot be set on it; select an object"
        )
    for target, value in action.fields:
        result = value.evaluate(context)
        if result is not None:
            set_at_path(content, target, result)
    return content


def set_at_path(document: dict[str, Any], path: TargetPath, value: Any) -> None:
    """Set ``value`` at ``path`` in ``document``, creating objects and lists on the way."""
    node: Any = document
    for step, following in itertools.pairwise(path):
        node = _child(node, step, [] if isinstance(following, int) else {})
    _assign(node, path[-1], value)


def _child(node: Any, step: str | int, empty: Any) -> Any:
    existing = _get(node, step)
    if isinstance(existing, dict | list):
        return existing
    _assign(node, step, empty)
    return empty


def _get(node: Any, step: str | int) -> Any:
    if isinstance(node, dict):
        return node.get(str(step))
    if isinstance(node, list) and isinstance(step, int) and step < len(node):
        return node[step]
    return None


def _assign(node: Any, step: str | int, value: Any) -> None:
    if isinstance(node, list) and isinstance(step, int):
        node.extend([None] * (step + 1 - len(node)))
        node[step] = value
    elif isinstance(node, dict):
        node[str(step)] = value
    else:
        raise MappingError(f"cannot set '{step}' inside a {type(node).__name__}")


def form_pairs(content: Any, prefix: str = "") -> list[tuple[str, str]]:
    """Flatten nested content into PHP-style bracket pairs: ``properties[email]=…``."""
    if isinstance(content, dict):
        items: list[tuple[Any, Any]] = list(content.items())
    elif isinstance(content, list):
        items = list(enumerate(content))
    else:
        return [(prefix, _as_text(content))] if prefix and content is not None else []
    pairs: list[tuple[str, str]] = []
    for key, value in items:
        name = f"{prefix}[{key}]" if prefix else str(key)
        pairs.extend(form_pairs(value, name))
    return pairs


def extract_keys(action: CompiledAction, body: bytes) -> dict[str, Any]:
    """Read the action's response keys from the target's response body.

    A key whose path matches nothing is left out. A body that is not JSON when keys are
    expected is an error: the target answered something other than what the mapping reads.
    """
    if not action.response:
        return {}
    if not body.strip():
        return _read_keys(action, {})
    try:
        document = msgspec.json.decode(body)
    except msgspec.DecodeError:
        raise ResponseError(
            f"action '{action.name}': the target's answer is not JSON, so the keys "
            f"{', '.join(key for key, _ in action.response)} cannot be read from it"
        ) from None
    return _read_keys(action, document)


def _read_keys(action: CompiledAction, document: Any) -> dict[str, Any]:
    keys = {}
    for key, value in action.response:
        result = value.evaluate(document)
        if result is not None:
            keys[key] = result
    return keys
