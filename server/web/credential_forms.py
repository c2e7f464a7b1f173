"""What the Credentials pages accept and say, apart from the web framework and the database.

The credential forms as submitted and their checks in plain words, each type's name on
screen, and which endpoints name which credential (read from their mapping documents).
Secret values pass through here only to be checked: they are never put on a form object.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, get_args

from server.mapping.credentials import DEFAULT_HEADER, DEFAULT_QUERY_PARAMETER, SECRET_FIELDS
from server.mapping.spec import Name
from server.store.models import Endpoint

# Names are as long as a mapping file's credential names may be (spec.Name, the column too).
NAME_MAX_LENGTH: int = get_args(Name)[1].max_length
PARAMETER_MAX_LENGTH = 200
SECRET_MAX_LENGTH = 10_000
# Each type as the pages name it, with a hint of how it is sent.
TYPE_CHOICES = {
    "bearer": ("Bearer token", "Sent as “Authorization: Bearer …”, as HubSpot and most APIs ask."),
    "header": ("API key in a header", f"Sent in a header, {DEFAULT_HEADER} unless you name one."),
    "query": (
        "API key in the query string",
        f"Added to the address, as {DEFAULT_QUERY_PARAMETER}=… unless you name the parameter.",
    ),
    "basic": ("Username and password", "Sent as HTTP Basic authentication."),
}
# Each secret value as sentences name it.
SECRET_LABELS = {
    "token": "token",
    "value": "API key",
    "username": "username",
    "password": "password",
}
_ALL_SECRET_FIELDS = [name for names in SECRET_FIELDS.values() for name in names]
# A header name is an HTTP token: letters, digits and a few marks, no spaces.
_HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
_API_KEY_TYPES = ("header", "query")


@dataclass(slots=True)
class CredentialForm:
    """A credential form as submitted, without its secret values (never kept for a page)."""

    name: str = ""
    type: str = ""
    parameter: str = ""
    errors: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class EndpointUse:
    """An endpoint that names a credential, and which of its actions send it (maybe none)."""

    key: str
    name: str
    actions: tuple[str, ...]


@dataclass(slots=True)
class Usage:
    """Every endpoint naming one credential, and the type the first declaration gives it."""

    declared_type: str = ""
    endpoints: list[EndpointUse] = field(default_factory=list)


def type_label(type: str, options: Mapping[str, Any]) -> str:
    """The type in plain words, with the header or parameter an API key goes in."""
    if type == "header":
        return f"API key in a header ({parameter_name(options) or DEFAULT_HEADER})"
    if type == "query":
        return f"API key in the query string ({parameter_name(options) or DEFAULT_QUERY_PARAMETER})"
    if type in TYPE_CHOICES:
        return TYPE_CHOICES[type][0]
    return f"Other ({type}): set it with the switchboard command"


def parameter_name(options: Mapping[str, Any]) -> str:
    """The header or query parameter an API key goes in, when not the default."""
    return str(options.get("name") or "")


def options_with_parameter(form: CredentialForm, current: Mapping[str, Any]) -> dict[str, Any]:
    """The stored options with the header or parameter name as submitted (empty: the default)."""
    options = {name: value for name, value in current.items() if name != "name"}
    if form.type in _API_KEY_TYPES and form.parameter:
        options["name"] = form.parameter
    return options


def credential_usages(endpoints: Iterable[Endpoint]) -> dict[str, Usage]:
    """Each credential name the endpoints' documents declare or send, with the endpoints."""
    usages: dict[str, Usage] = {}
    for endpoint in endpoints:
        declared, sent = _named_credentials(endpoint.document)
        for name in dict.fromkeys([*declared, *sent]):
            usage = usages.setdefault(name, Usage())
            usage.declared_type = usage.declared_type or declared.get(name, "")
            actions = tuple(sent.get(name, ()))
            usage.endpoints.append(EndpointUse(endpoint.key, endpoint.name, actions))
    return usages


def _named_credentials(document: Mapping[str, Any]) -> tuple[dict[str, str], dict[str, list[str]]]:
    """The declared credentials (name -> type) and the actions sending each (name -> actions)."""
    declared = {
        str(name): str(declaration.get("type", "")) if isinstance(declaration, dict) else ""
        for name, declaration in (document.get("credentials") or {}).items()
    }
    sent: dict[str, list[str]] = {}
    for action in document.get("actions") or []:
        name = (action.get("request") or {}).get("credential")
        if name is not None:
            sent.setdefault(str(name), []).append(str(action.get("name", "")))
    return declared, sent


def name_problem(name: str) -> str | None:
    """What is wrong with ``name`` as a credential name, in plain words; None when it is fine.

    Mapping files accept any text up to :data:`NAME_MAX_LENGTH` characters; a one-line field
    cannot carry control characters (and PostgreSQL cannot store NUL), so those are refused.
    """
    if not name:
        return "Give the credential a name: the one your mapping files use, for example “hubspot”."
    if len(name) > NAME_MAX_LENGTH:
        return f"Keep the name to {NAME_MAX_LENGTH} characters or fewer."
    if _has_control_characters(name):
        return "Use letters, digits, spaces and punctuation only: no tabs or line breaks."
    return None


def submitted_secret(submitted: Mapping[str, Any], type: str) -> dict[str, str]:
    """The secret values the type needs (every type's, when it is not known), as typed.

    Passwords keep their spaces; the other values are one line, trimmed.
    """
    names = SECRET_FIELDS.get(type) or dict.fromkeys(_ALL_SECRET_FIELDS)
    values = {name: str(submitted.get(name, "")) for name in names}
    return {name: value if name == "password" else value.strip() for name, value in values.items()}


def check_secret(form: CredentialForm, secret: dict[str, str]) -> None:
    """Add the problems of the header or parameter name and of the secret to ``form.errors``.

    When anything is wrong, every secret value typed is to be typed again: the form comes
    back without it, and says so beside the field.
    """
    if form.type in SECRET_FIELDS:
        problem = _parameter_problem(form.type, form.parameter)
        if problem:
            form.errors["parameter"] = problem
        problems = {name: _secret_problem(name, value) for name, value in secret.items()}
        form.errors.update({name: problem for name, problem in problems.items() if problem})
    else:
        form.errors.setdefault("type", "Switchboard cannot set a secret of this type here.")
    if form.errors:
        for name, value in secret.items():
            if value:
                label = SECRET_LABELS[name]
                again = f"Enter the {label} again: for your safety it is never shown back."
                form.errors.setdefault(name, again)


def _parameter_problem(type: str, parameter: str) -> str | None:
    if type not in _API_KEY_TYPES or not parameter:
        return None
    if len(parameter) > PARAMETER_MAX_LENGTH:
        return f"Keep the name to {PARAMETER_MAX_LENGTH} characters or fewer."
    if type == "header" and not _HEADER_NAME.match(parameter):
        return "A header name is letters, digits and dashes, without spaces: like X-API-Key."
    if _has_control_characters(parameter):
        return "Use letters, digits and punctuation only: no tabs or line breaks."
    return None


def _secret_problem(name: str, value: str) -> str | None:
    label = SECRET_LABELS[name]
    if not value:
        return f"Enter the {label}."
    if len(value) > SECRET_MAX_LENGTH:
        return (
            f"The {label} is longer than {SECRET_MAX_LENGTH:,} characters: "
            "check that only the secret was pasted."
        )
    if name != "password" and _has_control_characters(value):
        return f"The {label} is one line of text: remove the tabs and line breaks."
    return None


def _has_control_characters(text: str) -> bool:
    return any(unicodedata.category(character) == "Cc" for character in text)
