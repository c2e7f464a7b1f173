"""The request an action would send for a sample, computed without sending it.

The mapping builder shows this beside the rules while they are edited. It runs the same
compiled action, request building and credential application as a delivery; only the keys
that earlier actions would read from their responses are unknown, so they stand in as
visible placeholders.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from server.mapping.apply import build_request, event_context
from server.mapping.compile import CompiledAction
from server.mapping.credentials import Credential, apply_credential
from server.mapping.errors import MappingError
from server.mapping.spec import MappingDocument


@dataclass(frozen=True, slots=True)
class Preview:
    """Whether the action runs for the sample, and the request (redacted) or why there is none."""

    runs: bool
    request: dict[str, Any] | None
    problem: str | None = None


def placeholder_keys(document: MappingDocument, index: int) -> dict[str, str]:
    """A placeholder for every key the actions before ``index`` read from their responses."""
    return {
        key: f"‹{key} from “{action.name}”›"
        for action in document.actions[:index]
        for key in action.response
    }


def preview_action(
    action: CompiledAction,
    payload: Mapping[str, Any],
    keys: Mapping[str, Any],
    credential: Credential | None,
) -> Preview:
    """The request ``action`` builds for ``payload``, with ``credential`` applied and masked."""
    context = event_context(payload, keys)
    try:
        runs = action.condition is None or action.condition(context)
        request = build_request(action, context)
        if credential is not None:
            request = apply_credential(request, credential)
    except MappingError as error:
        return Preview(runs=True, request=None, problem=str(error))
    return Preview(runs=runs, request=request.redacted())
