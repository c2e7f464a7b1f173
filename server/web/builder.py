"""The mapping builder: edit one action of an endpoint beside its captured sample.

Every request carries the whole editor form. ``change`` applies one structural change (add a
row, pick a value from the sample…) and shows the editor again; ``preview`` shows the request
the rules build for the sample; ``test`` really sends it; saving stores the endpoint's
document with the action in place. Nothing is stored until Save: the form is the draft.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import msgspec
from litestar import Controller, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.plugins.htmx import ClientRedirect, HTMXRequest
from litestar.response import Redirect, Template

from server.imports import import_documents
from server.mapping.apply import event_context
from server.mapping.compile import MappingErrors, check_document, compile_action, compile_document
from server.mapping.credentials import SECRET_FIELDS, missing_secret_fields
from server.mapping.errors import MappingError
from server.mapping.paths import MISSING, compile_path
from server.mapping.preview import Preview, placeholder_keys, preview_action
from server.mapping.spec import Action, CredentialDecl, MappingDocument
from server.mapping.transforms import available_transforms
from server.pipeline import Outcome
from server.samples import Sample, current_sample
from server.store import queries
from server.store.models import Endpoint
from server.web.action_form import (
    CONDITION_OPS,
    KINDS,
    ActionForm,
    ValueRow,
    action_of,
    form_of,
    input_for,
    read_form,
)
from server.web.credential_forms import TYPE_CHOICES, name_problem
from server.web.events import OUTCOME_LABELS, pretty_json, readable_body
from server.web.form_changes import apply_change
from server.web.lookups import endpoint_or_404, pipeline_of
from server.web.pages import VARY, page_or_partial
from server.web.payload_tree import (
    Node,
    Section,
    leaf_text,
    nodes_of,
    path_step,
    payload_sections,
)

NEW = "new"
ADDING_ROWS = frozenset({"add-field", "add-header", "add-query", "add-key", "add-condition"})
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
BODY_KINDS = {"json": "JSON", "form": "Form (url-encoded)", "none": "No body"}
KIND_LABELS = {
    "from": "Picked value",
    "value": "Fixed text",
    "json": "Fixed value (JSON)",
    "template": "Template",
}
OP_LABELS = {
    "present": "is present",
    "absent": "is absent",
    "eq": "equals",
    "ne": "does not equal",
    "gt": "is greater than",
    "gte": "is at least",
    "lt": "is less than",
    "lte": "is at most",
    "contains": "contains",
    "in": "is one of (comma-separated)",
    "matches": "matches the pattern",
}
CREDENTIAL_TYPES = {type: label for type, (label, _) in TYPE_CHOICES.items()}


@dataclass(slots=True)
class Editing:
    """The endpoint being edited, its stored document, and which action slot the form fills."""

    endpoint: Endpoint
    document: MappingDocument
    index: int
    is_new: bool
    sample: Sample | None

    @property
    def slot(self) -> str:
        return NEW if self.is_new else str(self.index + 1)


class BuilderController(Controller):
    """One action of an endpoint, built from its sample."""

    path = "/endpoints/{key:str}/actions"

    @get("/{slot:str}", name="builder:edit")
    async def edit_action(
        self, request: HTMXRequest, key: FromPath[str], slot: FromPath[str]
    ) -> Template:
        """The action's rules (or an empty action for ``new``), the sample, the request."""
        editing = await _editing(key, slot)
        if editing.is_new:
            form = ActionForm(name=f"Action {editing.index + 1}")
        else:
            form = form_of(editing.document.actions[editing.index])
        return await _editor_page(request, editing, form)

    @post("/{slot:str}/change", name="builder:change", status_code=200)
    async def change_action(
        self, request: HTMXRequest, key: FromPath[str], slot: FromPath[str]
    ) -> Template:
        """Apply one change (``op``) to the submitted form and show the editor again."""
        editing = await _editing(key, slot)
        data = await _form_data(request)
        form = read_form(data)
        op = data.get("op", "")
        if op == "create-credential":
            focus = await _create_credential(form, data)
        else:
            new_step = data.get("new_step_" + op.removeprefix("add-step-"), "")
            focus = apply_change(form, op, data.get("active", ""), new_step)
        # A row just added is the one being edited: the next value picked fills it. After a
        # pick, none is: the next pick adds a row.
        active = focus if op in ADDING_ROWS else ""
        return await _editor_page(request, editing, form, focus=focus, active=active)

    @post("/{slot:str}/preview", name="builder:preview", status_code=200)
    async def preview_action(
        self, request: HTMXRequest, key: FromPath[str], slot: FromPath[str]
    ) -> Template:
        """The request the submitted rules build for the sample, and their problems."""
        editing = await _editing(key, slot)
        form = read_form(await _form_data(request))
        context = await _preview_context(editing, form)
        return Template(template_name="builder/_preview.html", context=context, headers=VARY)

    @post("/{slot:str}/test", name="builder:test", status_code=200)
    async def test_action(
        self, request: HTMXRequest, key: FromPath[str], slot: FromPath[str]
    ) -> Template:
        """Send the sample through the actions up to this one, for real, and show what came back."""
        editing = await _editing(key, slot)
        form = read_form(await _form_data(request))
        context = await _test_context(request, editing, form)
        return Template(template_name="builder/_test.html", context=context, headers=VARY)

    @post("/{slot:str}", name="builder:save", status_code=200)
    async def save_action(
        self, request: HTMXRequest, key: FromPath[str], slot: FromPath[str]
    ) -> Template | Redirect | ClientRedirect:
        """Store the action in the endpoint's mapping, or show what to fix."""
        editing = await _editing(key, slot)
        form = read_form(await _form_data(request))
        draft = await _checked_draft(editing, form)
        if draft is None:
            return await _editor_page(request, editing, form, status_code=422)
        await import_documents([draft])
        pipeline_of(request).endpoints.forget()
        return _back_to_endpoint(request, key, "saved")

    @post("/{slot:str}/move", name="builder:move", status_code=303)
    async def move_action(
        self, request: HTMXRequest, key: FromPath[str], slot: FromPath[str]
    ) -> Redirect:
        """Move the action up or down; refused when a later action's keys would come too late."""
        editing = await _existing(key, slot)
        index = editing.index
        other = index - 1 if (await _form_data(request)).get("direction") == "up" else index + 1
        actions = list(editing.document.actions)
        if not 0 <= other < len(actions):
            return _redirect(request, key, "")
        actions[index], actions[other] = actions[other], actions[index]
        return await _store_actions(request, editing, actions, "moved", "move_refused")

    @post("/{slot:str}/delete", name="builder:delete", status_code=303)
    async def delete_action(
        self, request: HTMXRequest, key: FromPath[str], slot: FromPath[str]
    ) -> Redirect:
        """Delete the action; refused when a later action uses the keys it reads."""
        editing = await _existing(key, slot)
        actions = list(editing.document.actions)
        del actions[editing.index]
        return await _store_actions(request, editing, actions, "deleted", "delete_refused")


async def _form_data(request: HTMXRequest) -> dict[str, str]:
    submitted = await request.form()
    return {name: str(value) for name, value in submitted.items()}


async def _existing(key: str, slot: str) -> Editing:
    editing = await _editing(key, slot)
    if editing.is_new:
        raise NotFoundException("Only a saved action can be moved or deleted.")
    return editing


async def _editing(key: str, slot: str) -> Editing:
    endpoint = await endpoint_or_404(key)
    document = msgspec.convert(endpoint.document, MappingDocument)
    if slot == NEW:
        index, is_new = len(document.actions), True
    elif slot.isdigit() and 1 <= int(slot) <= len(document.actions):
        index, is_new = int(slot) - 1, False
    else:
        raise NotFoundException(f"The endpoint {endpoint.name!r} has no action {slot}.")
    return Editing(endpoint, document, index, is_new, await current_sample(endpoint))


# --- the draft document ------------------------------------------------------------------------


async def _draft(editing: Editing, action: Action) -> MappingDocument:
    """The endpoint's document with ``action`` in the edited slot (and its credential declared)."""
    actions = list(editing.document.actions)
    if editing.is_new:
        actions.append(action)
    else:
        actions[editing.index] = action
    credentials = dict(editing.document.credentials)
    name = action.request.credential
    if name is not None and name not in credentials:
        stored = await queries.credential_by_name(name)
        if stored is not None:
            header = stored.options.get("name")
            credentials[name] = CredentialDecl(type=stored.type, name=header)  # type: ignore[arg-type]
    return msgspec.structs.replace(editing.document, actions=actions, credentials=credentials)


async def _checked_draft(editing: Editing, form: ActionForm) -> MappingDocument | None:
    """The draft when it compiles; else None with every problem placed on its input."""
    action = action_of(form)
    if action is None:
        return None
    draft = await _draft(editing, action)
    for error in check_document(draft):
        if error.location[:2] == ("actions", editing.index):
            form.errors.setdefault(input_for(form, error.location[2:]), error.message)
    return None if form.errors else draft


async def _store_actions(
    request: HTMXRequest, editing: Editing, actions: list[Action], done: str, refused: str
) -> Redirect:
    document = msgspec.structs.replace(editing.document, actions=actions)
    if check_document(document):
        return _redirect(request, editing.endpoint.key, refused)
    await import_documents([document])
    pipeline_of(request).endpoints.forget()
    return _redirect(request, editing.endpoint.key, done)


def _redirect(request: HTMXRequest, key: str, flash: str) -> Redirect:
    target = request.app.route_reverse("endpoints:show", key=key)
    return Redirect(f"{target}?done={flash}" if flash else target, status_code=303)


def _back_to_endpoint(request: HTMXRequest, key: str, flash: str) -> Redirect | ClientRedirect:
    target = request.app.route_reverse("endpoints:show", key=key) + f"?done={flash}"
    if request.htmx:
        return ClientRedirect(redirect_to=target)
    return Redirect(target, status_code=303)


async def _create_credential(form: ActionForm, data: dict[str, str]) -> str:
    """Store the credential typed in the editor's "New credential" box and choose it."""
    name = data.get("new_credential_name", "").strip()
    kind = data.get("new_credential_type", "")
    # One "token or key" box serves every one-secret type; basic has its own two.
    typed = {
        "token": data.get("new_credential_token", ""),
        "value": data.get("new_credential_token", ""),
        "username": data.get("new_credential_username", ""),
        "password": data.get("new_credential_password", ""),
    }
    secret = {part: typed[part] for part in SECRET_FIELDS.get(kind, ()) if typed[part]}
    problem = name_problem(name)
    if problem:
        form.errors["new_credential_name"] = problem
    elif await queries.credential_by_name(name) is not None:
        form.errors["new_credential_name"] = (
            f"A credential called “{name}” exists: choose it above."
        )
    if kind not in CREDENTIAL_TYPES:
        form.errors["new_credential_type"] = "Choose how the API expects the secret."
    elif len(secret) < len(SECRET_FIELDS[kind]):
        needed = "the username and the password" if kind == "basic" else "the token or key"
        form.errors["new_credential_token"] = f"Enter {needed}: it is stored, never shown again."
    if form.errors:
        return "new_credential_name"
    header = data.get("new_credential_header", "").strip()
    options = {"name": header} if header and kind in ("header", "query") else {}
    await queries.save_credential(name, kind, options, secret)
    form.credential = name
    return "credential"


# --- preview and test --------------------------------------------------------------------------


async def _preview_context(editing: Editing, form: ActionForm) -> dict[str, Any]:
    """What the preview panel shows: problems by input, and the request for the sample."""
    draft = await _checked_draft(editing, form)
    preview: Preview | None = None
    credential_note = None
    if draft is not None and editing.sample is not None:
        action = draft.actions[editing.index]
        compiled = compile_action(editing.index, action)
        credential = None
        if action.request.credential is not None:
            credential = await queries.credential_with_secret(action.request.credential)
            if credential is not None and missing_secret_fields(credential):
                credential_note = action.request.credential
                credential = None
        keys = placeholder_keys(draft, editing.index)
        preview = preview_action(compiled, editing.sample.payload, keys, credential)
    return {
        "editing": editing,
        "form": form,
        "preview": preview,
        "credential_note": credential_note,
        "slots": error_slots(form),
        "readable": readable_body,
        "oob": False,
    }


async def _test_context(request: HTMXRequest, editing: Editing, form: ActionForm) -> dict[str, Any]:
    draft = await _checked_draft(editing, form)
    context: dict[str, Any] = {
        "editing": editing,
        "form": form,
        "readable": readable_body,
        "problem": None,
        "outcome": None,
        "response_tree": [],
    }
    if editing.sample is None:
        return {**context, "problem": "there is no sample to send yet."}
    if draft is None:
        problems = " ".join(dict.fromkeys(form.errors.values()))
        return {**context, "problem": f"fix the problems marked in the rules first. {problems}"}
    tried = msgspec.structs.replace(draft, actions=draft.actions[: editing.index + 1])
    try:
        compiled = compile_document(tried)
    except MappingErrors as errors:
        return {**context, "problem": str(errors)}
    outcome = await pipeline_of(request).deliver(compiled, editing.sample.payload)
    return {
        **context,
        "outcome": outcome,
        "answer_json": pretty_json(outcome.answer_body),
        "outcome_labels": OUTCOME_LABELS,
        "response_tree": _response_tree(outcome, editing),
    }


def _response_tree(outcome: Outcome, editing: Editing) -> list[Any]:
    """The edited action's response body as a tree to pick keys from ([] when not JSON)."""
    own = [a for a in outcome.attempts if a.action_index == editing.index and a.response_body]
    if not own:
        return []
    try:
        document = json.loads(own[-1].response_body or "")
    except ValueError:
        return []
    return nodes_of(document, "$") if isinstance(document, dict | list) else []


# --- rendering ---------------------------------------------------------------------------------


async def _editor_page(
    request: HTMXRequest,
    editing: Editing,
    form: ActionForm,
    focus: str = "",
    status_code: int = 200,
    active: str = "",
) -> Template:
    if not form.field_rows and form.body != "none":
        form.field_rows.append(ValueRow())  # a first row to fill (blank rows are not kept)
    context = {
        **await _preview_context(editing, form),
        "focus": focus,
        "active": active,
        "sections": _picker_sections(editing),
        "credentials": await _credential_names(editing, form),
        "transforms": available_transforms(),
        "transform_info": {info.name: info for info in available_transforms()},
        "sample_values": _sample_values(editing, form),
        "methods": METHODS,
        "body_kinds": BODY_KINDS,
        "kinds": {kind: KIND_LABELS[kind] for kind in KINDS},
        "ops": {op: OP_LABELS[op] for op in CONDITION_OPS},
        "credential_types": CREDENTIAL_TYPES,
        "keys_before": placeholder_keys(editing.document, editing.index),
    }
    return page_or_partial(
        request, "builder/edit.html", "builder/_editor.html", context, status_code
    )


def _picker_sections(editing: Editing) -> list[Section]:
    """The sample's sections, then the keys earlier actions read (pickable like the rest)."""
    sections = payload_sections(editing.sample.payload) if editing.sample else []
    earlier = placeholder_keys(editing.document, editing.index)
    if earlier:
        keys = [
            Node(name, value, path=f"$.keys{path_step(name)}") for name, value in earlier.items()
        ]
        sections.append(Section("Keys from earlier actions", keys))
    return sections


async def _credential_names(editing: Editing, form: ActionForm) -> list[str]:
    names = {row.name for row in await queries.list_credentials()}
    names.update(editing.document.credentials)
    if form.credential:
        names.add(form.credential)
    return sorted(names)


def error_slots(form: ActionForm) -> list[str]:
    """Every input of the form that can show a problem, for the preview to update in place."""
    slots = ["action", "name", "url", "credential", "body", "body_from", "timeout"]
    slots += ["per_second", "concurrency", "conditions"]
    for index, _ in enumerate(form.conditions):
        slots += [f"condition-{index}-{part}" for part in ("path", "op", "value")]
    for section in ("field", "header", "query", "key"):
        slots.append(section)
        for index, row in enumerate(form.rows(section)):
            slots += [f"{section}-{index}-{part}" for part in ("name", "source", "default")]
            slots += [f"{section}-{index}-step-{step}-options" for step in range(len(row.steps))]
    return slots


def _sample_values(editing: Editing, form: ActionForm) -> dict[str, str]:
    """What each picked path reads in the sample, by row (``field-0``, ``condition-1``)."""
    if editing.sample is None:
        return {}
    context = event_context(
        editing.sample.payload, placeholder_keys(editing.document, editing.index)
    )
    picked = [(f"condition-{i}", row.path) for i, row in enumerate(form.conditions)]
    for section in ("field", "header", "query", "key"):
        if section != "key":
            picked += [
                (f"{section}-{i}", row.source)
                for i, row in enumerate(form.rows(section))
                if row.kind == "from"
            ]
    values = {}
    for row_id, path in picked:
        try:
            found = compile_path(path).read(context)
        except MappingError:
            continue
        values[row_id] = "(not in this sample)" if found is MISSING else leaf_text(found)
    return values
