"""What importing a mapping file would change, in words a marketer can check before applying.

The summary is deliberately plain: which endpoints are new, and for the others which actions
are added, removed or changed (and in which part), whether their order or the endpoint's
settings change, and which credentials still need a secret. It compares the checked
documents with the stored ones and never guesses at intent (a renamed action shows as one
removed and one added).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import msgspec

from server.mapping.spec import Action, EndpointSettings, MappingDocument, Request, endpoint_key
from server.store import queries


@dataclass(frozen=True, slots=True)
class ActionChange:
    """One action present before and after, and what differs in it (``"condition"``...)."""

    name: str
    parts: list[str]


@dataclass(frozen=True, slots=True)
class DocumentChange:
    """What importing one document does to the endpoint with its key."""

    key: str
    name: str
    created: bool
    actions_before: int
    actions_after: int
    added: list[str]
    removed: list[str]
    changed: list[ActionChange]
    reordered: bool
    settings: list[str]

    @property
    def unchanged(self) -> bool:
        """Importing it again would change nothing."""
        differences = (self.added, self.removed, self.changed, self.reordered, self.settings)
        return not self.created and not any(differences)


@dataclass(frozen=True, slots=True)
class CredentialNotice:
    """A declared credential that cannot work yet: it is new, or its secret is not set."""

    name: str
    exists: bool


@dataclass(frozen=True, slots=True)
class ImportPlan:
    """The whole summary shown before "Apply"."""

    changes: list[DocumentChange]
    credentials: list[CredentialNotice]


async def plan_import(documents: list[MappingDocument]) -> ImportPlan:
    """Compare ``documents`` with what is stored, without changing anything."""
    stored = {row.key: row.document for row in await queries.list_endpoints()}
    changes = []
    for document in documents:
        previous = stored.get(endpoint_key(document.endpoint))
        old = None if previous is None else msgspec.convert(previous, MappingDocument)
        changes.append(describe_change(document, old))
    return ImportPlan(changes, await credential_notices(documents))


async def credential_notices(documents: Iterable[MappingDocument]) -> list[CredentialNotice]:
    """The declared credentials that do not exist or have no secret, each named once.

    "No secret" is judged as :func:`server.imports.import_documents` judges it.
    """
    notices = []
    for name in dict.fromkeys(name for document in documents for name in document.credentials):
        existing = await queries.credential_with_secret(name)
        if existing is None or not existing.secret:
            notices.append(CredentialNotice(name, exists=existing is not None))
    return notices


def describe_change(new: MappingDocument, old: MappingDocument | None) -> DocumentChange:
    """What replacing ``old`` (None: nothing stored yet) by ``new`` changes."""
    key = endpoint_key(new.endpoint)
    before = [] if old is None else old.actions
    pairs = _matched_actions(before, new.actions)
    matched_old = {id(old_action) for old_action, _ in pairs}
    matched_new = {id(new_action) for _, new_action in pairs}
    changed = [
        ActionChange(new_action.name, _action_parts(old_action, new_action))
        for old_action, new_action in pairs
        if old_action != new_action
    ]
    return DocumentChange(
        key=key,
        name=new.endpoint.name,
        created=old is None,
        actions_before=len(before),
        actions_after=len(new.actions),
        added=[action.name for action in new.actions if id(action) not in matched_new],
        removed=[action.name for action in before if id(action) not in matched_old],
        changed=changed,
        reordered=_reordered(before, pairs),
        settings=[] if old is None else _settings_changed(old, new),
    )


def _matched_actions(old: list[Action], new: list[Action]) -> list[tuple[Action, Action]]:
    """Old and new actions paired by name (the n-th of a name with the n-th), in new order."""
    remaining: dict[str, list[Action]] = {}
    for action in old:
        remaining.setdefault(action.name, []).append(action)
    pairs = []
    for action in new:
        same_name = remaining.get(action.name)
        if same_name:
            pairs.append((same_name.pop(0), action))
    return pairs


def _reordered(old: list[Action], pairs: list[tuple[Action, Action]]) -> bool:
    positions = {id(action): index for index, action in enumerate(old)}
    order = [positions[id(old_action)] for old_action, _ in pairs]
    return order != sorted(order)


def _action_parts(old: Action, new: Action) -> list[str]:
    """Which parts of one action differ, e.g. ``["request: url", "fields changed: email"]``."""
    parts = []
    request = _differing_fields(old.request, new.request, Request)
    if request:
        parts.append(f"request: {', '.join(request)}")
    if old.when != new.when:
        parts.append("condition")
    parts += _entry_changes("fields", old.fields, new.fields)
    parts += _entry_changes("response keys", old.response, new.response)
    return parts


def _entry_changes(label: str, old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    """``["fields added: a", "fields removed: b", "fields changed: c"]``, leaving out empties."""
    added = [name for name in new if name not in old]
    removed = [name for name in old if name not in new]
    changed = [name for name in new if name in old and old[name] != new[name]]
    phrases = (("added", added), ("removed", removed), ("changed", changed))
    return [f"{label} {verb}: {', '.join(names)}" for verb, names in phrases if names]


def _settings_changed(old: MappingDocument, new: MappingDocument) -> list[str]:
    """The endpoint settings (and the credentials section) that differ; the key never does."""
    names = [
        name
        for name in _differing_fields(old.endpoint, new.endpoint, EndpointSettings)
        if name != "key"
    ]
    if old.credentials != new.credentials:
        names.append("credentials")
    return names


def _differing_fields(old: msgspec.Struct, new: msgspec.Struct, kind: type[Any]) -> list[str]:
    """The names (as written in the file) of ``kind``'s settings that differ."""
    return [
        field.encode_name
        for field in msgspec.structs.fields(kind)
        if getattr(old, field.name) != getattr(new, field.name)
    ]
