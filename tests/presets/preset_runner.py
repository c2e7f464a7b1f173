"""Run a preset end to end with the pure mapping core and the delivery layer.

This is the event's journey without storage: compile the document, then for each action check
its condition, build its request, point it at the loopback fake, put the credential on it,
send it, and read its keys for the actions after it. It stops at the first failed action, as
the pipeline does, so an example can show what the platform would be answered.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import aiohttp

from server.delivery.send import send
from server.mapping.apply import ResponseError, build_request, event_context, extract_keys
from server.mapping.compile import CompiledAction, CompiledEndpoint
from server.mapping.credentials import Credential, apply_credential
from server.mapping.errors import MappingError
from server.mapping.request import OutboundRequest
from server.mapping.spec import CredentialDecl

MAX_RESPONSE_BYTES = 1_048_576


@dataclass(frozen=True, slots=True)
class Failure:
    """The action that stopped the run, and why."""

    action: str
    status: int | None
    error: str | None
    # What the action's response keys read from the error answer (an error body must give none).
    keys_from_error_answer: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class PresetRun:
    """What one event did: the actions that ran or were skipped, the keys, the failure."""

    ran: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    keys: dict[str, Any] = field(default_factory=dict)
    failure: Failure | None = None


def at_target(request: OutboundRequest, base_url: str) -> OutboundRequest:
    """The same request with the scheme and host of ``base_url`` (the loopback fake).

    Presets name the providers' real hosts; the path and query are what the test checks.
    """
    parts = urlsplit(request.url)
    base = urlsplit(base_url)
    return replace(request, url=urlunsplit(parts._replace(scheme=base.scheme, netloc=base.netloc)))


def stored_credential(name: str, declared: CredentialDecl, secret: Mapping[str, str]) -> Credential:
    """The credential as import declares it and ``switchboard credential set`` completes it."""
    options = {"name": declared.name} if declared.name else {}
    return Credential(name=name, type=declared.type, options=options, secret=dict(secret))


async def run_preset(
    endpoint: CompiledEndpoint,
    payload: Mapping[str, Any],
    *,
    session: aiohttp.ClientSession,
    base_url: str,
    secrets: Mapping[str, Mapping[str, str]],
) -> PresetRun:
    """Run every action of ``endpoint`` for one normalised payload against the fake."""
    run = PresetRun()
    credentials = {
        name: stored_credential(name, declared, secrets.get(name, {}))
        for name, declared in endpoint.credentials.items()
    }
    for action in endpoint.actions:
        context = event_context(payload, run.keys)
        if action.condition is not None and not action.condition(context):
            run.skipped.append(action.name)
            continue
        run.ran.append(action.name)
        failure = await _run_action(action, context, run, session, base_url, credentials)
        if failure is not None:
            run.failure = failure
            break
    return run


async def _run_action(
    action: CompiledAction,
    context: Mapping[str, Any],
    run: PresetRun,
    session: aiohttp.ClientSession,
    base_url: str,
    credentials: Mapping[str, Credential],
) -> Failure | None:
    try:
        request = at_target(build_request(action, context), base_url)
        if action.credential is not None:
            request = apply_credential(request, credentials[action.credential])
    except MappingError as error:
        return Failure(action.name, None, str(error))
    result = await send(session, request, max_response_bytes=MAX_RESPONSE_BYTES)
    if not result.ok:
        return Failure(action.name, result.status, result.error, _keys_or_none(action, result.body))
    run.keys.update(extract_keys(action, result.body))
    return None


def _keys_or_none(action: CompiledAction, body: bytes) -> dict[str, Any]:
    try:
        return extract_keys(action, body)
    except ResponseError:
        return {}
