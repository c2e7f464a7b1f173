"""Changes to the action editor's rows that the editor asks the server for.

Adding, removing and moving rows, adding transform steps, and binding a value picked in a
sample (or test response) tree: each is one ``op`` word submitted with the whole form, so
the editor works the same with and without JavaScript. Each change says which input should
have the focus afterwards.
"""

from __future__ import annotations

import re

from server.web.action_form import SECTIONS, ActionForm, ConditionRow, StepRow, ValueRow

_ROW_OP = re.compile(r"(remove|up|down)-(field|header|query|key|condition)-(\d+)")
_STEP_OP = re.compile(r"(add|remove|up|down)-step-(field|header|query|key)-(\d+)(?:-(\d+))?")
# Any input of a row means "this row is being edited": a pick fills its value.
_ROW_INPUT = re.compile(r"(field|header|query|key)-(\d+)-[a-z-]+|condition-(\d+)-[a-z]+")
_LAST_STEP = re.compile(r"\.([A-Za-z_][A-Za-z0-9_-]*)$|\['((?:[^'\\]|\\.)*)'\]$|\[(\d+)\]$")


def apply_change(form: ActionForm, op: str, active: str = "", new_step: str = "") -> str:
    """Change ``form`` as ``op`` says; the name of the input to focus next ("" for none).

    ``active`` is the input the person was editing (for ``pick:``/``pick-key:``),
    ``new_step`` the transform chosen for ``add-step-...``.
    """
    if op.startswith("add-") and op[4:] in SECTIONS:
        rows = form.rows(op[4:])
        rows.append(ValueRow(kind="value" if op[4:] in ("header", "query") else "from"))
        return f"{op[4:]}-{len(rows) - 1}-name"
    if op == "add-condition":
        form.conditions.append(ConditionRow())
        return f"condition-{len(form.conditions) - 1}-path"
    if op.startswith("pick:"):
        return _pick(form, op[5:], active, "field")
    if op.startswith("pick-key:"):
        return _pick(form, op[9:], active, "key")
    if match := _ROW_OP.fullmatch(op):
        return _change_row(form, match.group(1), match.group(2), int(match.group(3)))
    if match := _STEP_OP.fullmatch(op):
        verb, section, row, step = match.groups()
        return _change_step(form, verb, section, int(row), int(step or 0), new_step)
    return ""


def _change_row(form: ActionForm, verb: str, section: str, index: int) -> str:
    rows: list[ValueRow] | list[ConditionRow] = (
        form.conditions if section == "condition" else form.rows(section)
    )
    if not 0 <= index < len(rows):
        return ""
    if verb == "remove":
        del rows[index]
        return f"add-{section}"
    other = index - 1 if verb == "up" else index + 1
    if not 0 <= other < len(rows):
        return ""
    rows[index], rows[other] = rows[other], rows[index]  # type: ignore[assignment]
    return f"{verb}-{section}-{other}"


def _change_step(
    form: ActionForm, verb: str, section: str, index: int, step: int, new_step: str
) -> str:
    rows = form.rows(section)
    if not 0 <= index < len(rows):
        return ""
    steps = rows[index].steps
    if verb == "add":
        if not new_step:
            return f"{section}-{index}-newstep"
        steps.append(StepRow(new_step))
        return f"{section}-{index}-step-{len(steps) - 1}-options"
    if not 0 <= step < len(steps):
        return ""
    if verb == "remove":
        del steps[step]
        return f"{section}-{index}-newstep"
    other = step - 1 if verb == "up" else step + 1
    if not 0 <= other < len(steps):
        return ""
    steps[step], steps[other] = steps[other], steps[step]
    return f"{verb}-step-{section}-{index}-{other}"


def _pick(form: ActionForm, path: str, active: str, section: str) -> str:
    """Bind ``path`` to the row being edited, or add a row for it in ``section``.

    A sample value (``section`` "field") can fill a field, header, query or condition row; a
    test-response value (``section`` "key") only a response key row.
    """
    match = _ROW_INPUT.fullmatch(active)
    if match and match.group(3) is not None and section == "field":
        index = int(match.group(3))
        if index == len(form.conditions):  # the blank row being edited (blank rows are not sent)
            form.conditions.append(ConditionRow())
        if index < len(form.conditions):
            form.conditions[index].path = path
            return f"condition-{index}-path"
    elif match and match.group(1) is not None and (match.group(1) == "key") == (section == "key"):
        rows = form.rows(match.group(1))
        index = int(match.group(2))
        if index == len(rows):  # the blank row being edited (blank rows are not sent)
            rows.append(ValueRow())
        if index < len(rows):
            rows[index].source = path
            rows[index].kind = "from"
            rows[index].name = rows[index].name or suggested_name(path)
            return f"{match.group(1)}-{index}-source"
    rows = form.rows(section)
    rows.append(ValueRow(name=suggested_name(path), kind="from", source=path))
    return f"{section}-{len(rows) - 1}-name"


def suggested_name(path: str) -> str:
    """A name for a picked value: its last step (``email``, ``first_name``, ``id``)."""
    match = _LAST_STEP.search(path)
    if match is None:
        return ""
    name = match.group(1) or match.group(2) or ""
    if match.group(3) is not None:
        return suggested_name(path[: match.start()])
    return re.sub(r"\s+", "_", name.replace("\\'", "'").strip()).lower()
