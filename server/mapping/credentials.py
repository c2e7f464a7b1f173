"""How a credential is put on an outbound request, and kept out of every record of it."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field, replace
from typing import Any

from server.mapping.apply import with_query
from server.mapping.errors import MappingError
from server.mapping.request import OutboundRequest

DEFAULT_HEADER = "X-API-Key"
DEFAULT_QUERY_PARAMETER = "api_key"

# The secret values each credential type needs, for forms and the CLI.
SECRET_FIELDS: dict[str, tuple[str, ...]] = {
    "bearer": ("token",),
    "header": ("value",),
    "query": ("value",),
    "basic": ("username", "password"),
}


@dataclass(frozen=True, slots=True)
class Credential:
    """A stored credential with its secret values (never exported, logged or shown)."""

    name: str
    type: str
    options: dict[str, Any] = field(default_factory=dict)
    secret: dict[str, str] = field(default_factory=dict, repr=False)


def missing_secret_fields(credential: Credential) -> list[str]:
    """The secret values this credential still lacks."""
    needed = SECRET_FIELDS.get(credential.type, ())
    return [name for name in needed if not credential.secret.get(name)]


def apply_credential(request: OutboundRequest, credential: Credential) -> OutboundRequest:
    """The request with the credential applied and marked secret for redaction."""
    missing = missing_secret_fields(credential)
    if missing:
        raise MappingError(
            f"credential '{credential.name}' has no {' or '.join(missing)} yet: "
            "set it in Credentials (or with 'switchboard credential set')"
        )
    secret = credential.secret
    if credential.type == "query":
        name = str(credential.options.get("name") or DEFAULT_QUERY_PARAMETER)
        return replace(
            request,
            url=with_query(request.url, [(name, secret["value"])]),
            secret_query=request.secret_query | {name},
        )
    header, value = _auth_header(credential)
    headers = tuple(pair for pair in request.headers if pair[0].lower() != header.lower())
    return replace(
        request,
        headers=(*headers, (header, value)),
        secret_headers=request.secret_headers | {header},
    )


def _auth_header(credential: Credential) -> tuple[str, str]:
    secret = credential.secret
    if credential.type == "bearer":
        return "Authorization", f"Bearer {secret['token']}"
    if credential.type == "basic":
        pair = f"{secret['username']}:{secret['password']}".encode()
        return "Authorization", "Basic " + base64.b64encode(pair).decode("ascii")
    if credential.type == "header":
        return str(credential.options.get("name") or DEFAULT_HEADER), secret["value"]
    raise MappingError(f"credential '{credential.name}' has an unknown type '{credential.type}'")
