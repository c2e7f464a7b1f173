"""The action editor's form: one mapping action as rows of inputs, and back again.

Input names (``<i>`` and ``<j>`` are row numbers; their order is the order kept):

- ``name``, ``method``, ``url``, ``credential``, ``body``, ``body_from``, ``timeout``,
  ``per_second``, ``concurrency`` (the request's ``limits``);
- ``match`` (``all``/``any``) and ``condition-<i>-path|op|value``;
- for each value section (``field``, ``header``, ``query``, ``key``):
  ``<section>-<i>-name|kind|source|default`` and ``<section>-<i>-step-<j>-name|options``.

A row left blank is dropped. What the rows cannot show (a condition nested deeper than one
all/any group) travels unchanged in ``when_json``. Nothing here touches the web framework:
the form arrives as a plain mapping of names to values.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import msgspec
from msgspec import UNSET

from server.mapping.errors import Location
from server.mapping.spec import (
    DEFAULT_TIMEOUT,
    Action,
    Condition,
    ConditionOp,
    Limits,
    Parameter,
    Request,
    ResponseKey,
    TransformStep,
    ValueSource,
    When,
)
from server.mapping.structure import check
from server.mapping.yaml_text import parse_yaml

SECTIONS = ("field", "header", "query", "key")
# How a value is given: picked from the sample, typed as text, typed as JSON, or a template.
KINDS = ("from", "value", "json", "template")
NUMBER_OPS = frozenset({"gt", "gte", "lt", "lte"})
NO_VALUE_OPS = frozenset({"present", "absent"})
CONDITION_OPS: tuple[ConditionOp, ...] = (
    "present",
    "absent",
    "eq",
    "ne",
    "gt",
    "gte",
    "lt",
    "lte",
    "contains",
    "in",
    "matches",
)

_VALUE_INPUT = re.compile(r"(field|header|query|key)-(\d+)-(name|kind|source|default)")
_STEP_INPUT = re.compile(r"(field|header|query|key)-(\d+)-step-(\d+)-(name|options)")
_CONDITION_INPUT = re.compile(r"condition-(\d+)-(path|op|value)")
_BARE_TEXT = re.compile(r"[A-Za-z_][A-Za-z0-9_/+-]*")
_YAML_WORDS = frozenset({"true", "false", "null", "yes", "no", "on", "off", "y", "n", "~"})


@dataclass(slots=True)
class StepRow:
    """One transform step: its name and, when it takes any, its options as typed."""

    name: str = ""
    options: str = ""


@dataclass(slots=True)
class ValueRow:
    """One target field, header, query parameter or response key, and where its value comes from."""

    name: str = ""
    kind: str = "from"
    source: str = ""
    default: str = ""
    steps: list[StepRow] = field(default_factory=list)

    def is_blank(self) -> bool:
        return not (self.name or self.source or self.default or self.steps)


@dataclass(slots=True)
class ConditionRow:
    """``path`` ``op`` ``value``: "only when lead score ≥ 50"."""

    path: str = ""
    op: str = "present"
    value: str = ""

    def is_blank(self) -> bool:
        return not (self.path or self.value)


@dataclass(slots=True)
class ActionForm:
    """Everything the editor shows for one action, as text, and what is wrong with it."""

    name: str = ""
    method: str = "POST"
    url: str = ""
    credential: str = ""
    body: str = "json"
    body_from: str = ""
    timeout: str = "10"
    per_second: str = ""
    concurrency: str = ""
    match: str = "all"
    conditions: list[ConditionRow] = field(default_factory=list)
    when_json: str = ""
    field_rows: list[ValueRow] = field(default_factory=list)
    header_rows: list[ValueRow] = field(default_factory=list)
    query_rows: list[ValueRow] = field(default_factory=list)
    key_rows: list[ValueRow] = field(default_factory=list)
    # Input name (or a section name) -> what to change there, in plain words.
    errors: dict[str, str] = field(default_factory=dict)

    def rows(self, section: str) -> list[ValueRow]:
        rows: list[ValueRow] = getattr(self, f"{section}_rows")
        return rows


# --- form -> ActionForm -------------------------------------------------------------------------


def read_form(data: Mapping[str, str]) -> ActionForm:
    """The form as submitted; blank rows dropped, rows in the order of their numbers."""
    form = ActionForm(
        name=_text(data, "name"),
        method=_text(data, "method").upper() or "POST",
        url=_text(data, "url"),
        credential=_text(data, "credential"),
        body=_text(data, "body") or "json",
        body_from=_text(data, "body_from"),
        timeout=_text(data, "timeout") or "10",
        per_second=_text(data, "per_second"),
        concurrency=_text(data, "concurrency"),
        match="any" if data.get("match") == "any" else "all",
        when_json=str(data.get("when_json", "")),
    )
    values: dict[tuple[str, int], ValueRow] = {}
    steps: dict[tuple[str, int, int], StepRow] = {}
    conditions: dict[int, ConditionRow] = {}
    for name, raw in data.items():
        value = str(raw).strip() if not name.endswith("-source") else str(raw)
        if match := _VALUE_INPUT.fullmatch(name):
            section, row, part = match.group(1), int(match.group(2)), match.group(3)
            setattr(values.setdefault((section, row), ValueRow()), part, value)
        elif match := _STEP_INPUT.fullmatch(name):
            step_key = (match.group(1), int(match.group(2)), int(match.group(3)))
            setattr(steps.setdefault(step_key, StepRow()), match.group(4), value)
        elif match := _CONDITION_INPUT.fullmatch(name):
            setattr(
                conditions.setdefault(int(match.group(1)), ConditionRow()), match.group(2), value
            )
    for (section, row, _), step in sorted(steps.items()):
        if step.name:
            values.setdefault((section, row), ValueRow()).steps.append(step)
    for (section, _), row_value in sorted(values.items()):
        row_value.source = row_value.source.strip()
        if not row_value.is_blank():
            form.rows(section).append(row_value)
    form.conditions = [row for _, row in sorted(conditions.items()) if not row.is_blank()]
    return form


def _text(data: Mapping[str, str], name: str) -> str:
    return str(data.get(name, "")).strip()


# --- Action -> ActionForm -----------------------------------------------------------------------


def form_of(action: Action) -> ActionForm:
    """The rows that show ``action``."""
    request = action.request
    limits = request.limits or Limits()
    form = ActionForm(
        name=action.name,
        method=request.method,
        url=request.url,
        credential=request.credential or "",
        body=request.body,
        body_from=request.body_from or "",
        timeout=_number_text(request.timeout),
        per_second=_optional_number_text(limits.per_second),
        concurrency=_optional_number_text(limits.concurrency),
        field_rows=[_row(target, source) for target, source in action.fields.items()],
        header_rows=[_row(name, parameter) for name, parameter in request.headers.items()],
        query_rows=[_row(name, parameter) for name, parameter in request.query.items()],
        key_rows=[_key_row(name, key) for name, key in action.response.items()],
    )
    if action.when is not None:
        rows = _condition_rows(action.when)
        if rows is None:
            form.when_json = msgspec.json.encode(action.when).decode()
        else:
            form.match, form.conditions = rows
    return form


def _row(name: str, source: Parameter | ValueSource) -> ValueRow:
    if isinstance(source, str):
        return ValueRow(name=name, kind="value", source=source)
    kind, text = _source_text(source)
    steps = [_step_row(step) for step in source.transform]
    default = "" if source.default is UNSET else _default_text(source.default)
    return ValueRow(name=name, kind=kind, source=text, default=default, steps=steps)


def _key_row(name: str, key: ResponseKey) -> ValueRow:
    if isinstance(key, str):
        return ValueRow(name=name, kind="from", source=key)
    return _row(name, key)


def _source_text(source: ValueSource) -> tuple[str, str]:
    if source.from_ is not UNSET:
        return "from", source.from_
    if source.template is not UNSET:
        return "template", source.template
    if isinstance(source.value, str):
        return "value", source.value
    return "json", json.dumps(None if source.value is UNSET else source.value, ensure_ascii=False)


def _default_text(value: Any) -> str:
    return '""' if value == "" else value if isinstance(value, str) else json.dumps(value)


def _step_row(step: TransformStep) -> StepRow:
    if isinstance(step, str):
        return StepRow(step)
    ((name, argument),) = step.items()
    return StepRow(name, options_text(argument))


def options_text(argument: Any) -> str:
    """A transform's argument as people type it: ``tz: Europe/Paris, to: "%Y-%m-%d"``."""
    if isinstance(argument, dict):
        return ", ".join(f"{name}: {_flow(value)}" for name, value in argument.items())
    return _flow(argument)


def _flow(value: Any) -> str:
    if isinstance(value, str) and _BARE_TEXT.fullmatch(value) and value.lower() not in _YAML_WORDS:
        return value
    return json.dumps(value, ensure_ascii=False)


def _number_text(value: float) -> str:
    return str(int(value)) if value == int(value) else str(value)


def _condition_rows(when: When) -> tuple[str, list[ConditionRow]] | None:
    """The rows for ``when``, or None when it nests deeper than one all/any group."""
    leaf = _condition_row(when)
    if leaf is not None:
        return "all", [leaf]
    assert isinstance(when, Condition)
    match, members = ("all", when.all) if when.all is not UNSET else ("any", when.any)
    if members is UNSET:
        return None
    rows = [_condition_row(member) for member in members]
    if any(row is None for row in rows):
        return None
    return match, [row for row in rows if row is not None]


def _condition_row(when: When) -> ConditionRow | None:
    if isinstance(when, str):
        return ConditionRow(path=when)
    if when.all is not UNSET or when.any is not UNSET or when.path is UNSET:
        return None
    value = "" if when.value is UNSET else when.value
    if isinstance(value, list):
        text = ", ".join(str(item) for item in value)
    else:
        text = value if isinstance(value, str) else json.dumps(value)
    return ConditionRow(path=when.path, op=when.op, value=text)


# --- ActionForm -> Action -----------------------------------------------------------------------


def action_of(form: ActionForm) -> Action | None:
    """The action the form describes; None, with ``form.errors`` filled, when it cannot be one."""
    try:
        timeout = float(form.timeout)
    except ValueError:
        form.errors["timeout"] = "Enter the number of seconds to wait, for example 10."
        timeout = 10.0
    limits = _limits(form)
    fields = {
        row.name: _value_source(form, "field", index, row) for index, row in _named(form, "field")
    }
    headers = {
        row.name: _parameter(form, "header", index, row) for index, row in _named(form, "header")
    }
    query = {
        row.name: _parameter(form, "query", index, row) for index, row in _named(form, "query")
    }
    response = {row.name: _response_key(form, index, row) for index, row in _named(form, "key")}
    when = _when(form)
    if not form.name:
        form.errors["name"] = "Give the action a name, for example “Create or update contact”."
    if not form.url:
        form.errors["url"] = "Enter the address of the API to call, starting with https://."
    if form.errors:
        return None
    try:
        request = msgspec.convert(
            {
                "url": form.url,
                "method": form.method,
                "credential": form.credential or None,
                "body": form.body,
                "body_from": form.body_from or None,
                "headers": headers,
                "query": query,
            }
            | ({} if timeout == DEFAULT_TIMEOUT else {"timeout": timeout})
            | ({"limits": limits} if limits else {}),
            Request,
        )
        return Action(name=form.name, request=request, when=when, fields=fields, response=response)
    except msgspec.ValidationError as error:
        form.errors["action"] = _plain_validation(str(error))
        return None


def _limits(form: ActionForm) -> dict[str, float | int]:
    """The request's ``limits`` as the form gives them; problems go to ``form.errors``."""
    limits: dict[str, float | int] = {}
    if form.per_second:
        try:
            limits["per_second"] = float(form.per_second)
        except ValueError:
            form.errors["per_second"] = "Enter a number of requests per second, for example 10."
    if form.concurrency:
        try:
            limits["concurrency"] = int(form.concurrency)
        except ValueError:
            form.errors["concurrency"] = "Enter a whole number of requests, for example 4."
    for problem in check(limits, Limits, ("request", "limits")):
        form.errors[input_for(form, problem.location)] = f"This {problem.message}."
    return limits


def _limits_input(rest: Location) -> str:
    return str(rest[0]) if rest and rest[0] in ("per_second", "concurrency") else "action"


def _optional_number_text(value: float | None) -> str:
    return "" if value is None else _number_text(value)


def _named(form: ActionForm, section: str) -> list[tuple[int, ValueRow]]:
    """The section's rows with their positions; a row without a name, or a repeated one, is
    an error."""
    seen: set[str] = set()
    named = []
    for index, row in enumerate(form.rows(section)):
        if row.is_blank():
            continue  # a row just added, not filled in yet
        if not row.name:
            form.errors[f"{section}-{index}-name"] = _MISSING_NAME[section]
        elif row.name in seen:
            form.errors[f"{section}-{index}-name"] = f"“{row.name}” is already set above."
        else:
            seen.add(row.name)
            named.append((index, row))
    return named


_MISSING_NAME = {
    "field": "Name the field in the target, for example properties.email.",
    "header": "Name the header, for example X-Api-Version.",
    "query": "Name the query parameter.",
    "key": "Name the key as the platform's contact field will see it.",
}


def _value_source(form: ActionForm, section: str, index: int, row: ValueRow) -> ValueSource:
    where = f"{section}-{index}"
    if not row.source and row.kind != "value":
        form.errors[f"{where}-source"] = _EMPTY_SOURCE[row.kind if row.kind in KINDS else "from"]
    source: dict[str, Any] = {}
    if row.kind == "value":
        source["value"] = row.source
    elif row.kind == "json":
        source["value"] = _json_value(form, f"{where}-source", row.source)
    elif row.kind == "template":
        source["template"] = row.source or "-"
    else:
        source["from"] = row.source or "$"
    steps = [_step(form, f"{where}-step-{number}", step) for number, step in enumerate(row.steps)]
    if steps:
        source["transform"] = steps
    if row.default:
        source["default"] = "" if row.default == '""' else row.default
    return msgspec.convert(source, ValueSource)


_EMPTY_SOURCE = {
    "from": "Pick a value from the sample on the right.",
    "json": 'Enter a JSON value, for example 42, true or ["a", "b"].',
    "template": "Enter the template, for example {{ field['First Name'] }}.",
}


def _parameter(form: ActionForm, section: str, index: int, row: ValueRow) -> Parameter:
    if row.kind == "value" and not row.steps and not row.default:
        return row.source
    return _value_source(form, section, index, row)


def _response_key(form: ActionForm, index: int, row: ValueRow) -> ResponseKey:
    if row.kind == "from" and not row.steps and not row.default and row.source:
        return row.source
    return _value_source(form, "key", index, row)


def _json_value(form: ActionForm, where: str, text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        form.errors[where] = 'This is not JSON: write text in quotes, like "lead", or a number.'
        return None


def _step(form: ActionForm, where: str, step: StepRow) -> TransformStep:
    if not step.options:
        return step.name
    try:
        return {step.name: parse_options(step.options)}
    except ValueError as error:
        form.errors[f"{where}-options"] = str(error)
        return step.name


def parse_options(text: str) -> Any:
    """Options as typed (``tz: Europe/Paris, to: "%Y"`` or a single value like ``+``)."""
    try:
        as_mapping = parse_yaml("{" + text + "}")[0]
        if isinstance(as_mapping, dict) and any(value is not None for value in as_mapping.values()):
            return as_mapping
        return parse_yaml(text)[0]
    except Exception as error:  # ruamel raises several unrelated error types
        raise ValueError(
            "Write the options as name: value pairs separated by commas, "
            'for example tz: Europe/Paris, to: "%Y-%m-%d".'
        ) from error


def _when(form: ActionForm) -> When | None:
    if form.when_json and not form.conditions:
        kept: When = msgspec.json.decode(form.when_json, type=When)
        return kept
    leaves: list[When] = []
    for index, row in enumerate(form.conditions):
        if row.is_blank():
            continue  # a condition just added, not filled in yet
        leaf = _condition(form, index, row)
        if leaf is not None:
            leaves.append(leaf)
    if not leaves:
        return None
    if len(leaves) == 1:
        return leaves[0]
    members: list[When] = [
        Condition(path=leaf) if isinstance(leaf, str) else leaf for leaf in leaves
    ]
    return Condition(all=members) if form.match == "all" else Condition(any=members)


def _condition(form: ActionForm, index: int, row: ConditionRow) -> When | None:
    if not row.path:
        form.errors[f"condition-{index}-path"] = "Pick the value this condition looks at."
        return None
    if row.op not in CONDITION_OPS:
        form.errors[f"condition-{index}-op"] = "Choose a comparison from the list."
        return None
    if row.op == "present":
        return row.path
    if row.op == "absent":
        return Condition(path=row.path, op="absent")
    return Condition(path=row.path, op=row.op, value=_condition_value(form, index, row))


def _condition_value(form: ActionForm, index: int, row: ConditionRow) -> Any:
    if row.op in NUMBER_OPS:
        try:
            number = float(row.value)
        except ValueError:
            form.errors[f"condition-{index}-value"] = "Enter a number to compare with, like 50."
            return 0
        return int(number) if number.is_integer() else number
    if row.op == "in":
        return [item.strip() for item in row.value.split(",") if item.strip()]
    return row.value


def _plain_validation(message: str) -> str:
    return f"This action cannot be saved: {message}."


# --- problems from the mapping core, placed on their inputs ----------------------------------


def input_for(form: ActionForm, location: Location) -> str:
    """The input a problem located in the action (``("fields", "email", "from")``) belongs to."""
    if not location:
        return "action"
    head, rest = location[0], location[1:]
    if head in ("name", "when"):
        return "name" if head == "name" else "conditions"
    if head == "request":
        return _request_input(form, rest)
    if head == "fields":
        return _row_input(form, "field", rest)
    if head == "response":
        return _row_input(form, "key", rest)
    return "action"


def _request_input(form: ActionForm, rest: Location) -> str:
    if not rest:
        return "action"
    if rest[0] in ("headers", "query"):
        return _row_input(form, "header" if rest[0] == "headers" else "query", rest[1:])
    return (
        str(rest[0])
        if rest[0] in ("url", "credential", "body", "body_from", "timeout", "method")
        else _limits_input(rest[1:])
        if rest[0] == "limits"
        else "action"
    )


def _row_input(form: ActionForm, section: str, rest: Location) -> str:
    if not rest:
        return section
    names = [row.name for row in form.rows(section)]
    if rest[0] not in names:
        return section
    index = names.index(str(rest[0]))
    part = rest[1] if len(rest) > 1 else "source"
    if part == "transform":
        step = rest[2] if len(rest) > 2 and isinstance(rest[2], int) else 0
        return f"{section}-{index}-step-{step}-options"
    if part == "default":
        return f"{section}-{index}-default"
    return f"{section}-{index}-source"
