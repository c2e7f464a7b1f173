"""The editor's row changes: add, remove, move, transform steps, and where a picked value goes."""

from __future__ import annotations

import pytest

from server.web.action_form import ActionForm, ConditionRow, StepRow, ValueRow, read_form
from server.web.form_changes import apply_change, suggested_name


def form_with_fields(*names: str) -> ActionForm:
    form = ActionForm(name="a", url="https://x")
    form.field_rows = [ValueRow(name=name, source=f"$.body.{name}") for name in names]
    return form


def test_rows_are_added_removed_and_moved() -> None:
    form = form_with_fields("a", "b", "c")

    assert apply_change(form, "add-header") == "header-0-name"
    assert form.header_rows[0].kind == "value"
    apply_change(form, "up-field-2")
    assert [row.name for row in form.field_rows] == ["a", "c", "b"]
    apply_change(form, "remove-field-0")
    assert [row.name for row in form.field_rows] == ["c", "b"]
    assert apply_change(form, "up-field-0") == ""
    assert apply_change(form, "remove-field-9") == ""


def test_transform_steps_are_added_in_order_moved_and_removed() -> None:
    form = form_with_fields("a")

    apply_change(form, "add-step-field-0", new_step="trim")
    apply_change(form, "add-step-field-0", new_step="date")
    assert apply_change(form, "add-step-field-0") == "field-0-newstep"
    apply_change(form, "up-step-field-0-1")
    assert [step.name for step in form.field_rows[0].steps] == ["date", "trim"]
    apply_change(form, "remove-step-field-0-0")
    assert form.field_rows[0].steps == [StepRow("trim")]


def test_a_pick_fills_the_row_being_edited_or_adds_one() -> None:
    form = form_with_fields("email")
    form.conditions = [ConditionRow()]

    assert apply_change(form, "pick:$.body.x", active="field-0-name") == "field-0-source"
    assert form.field_rows[0].source == "$.body.x"
    assert apply_change(form, "pick:$.body.y", active="condition-0-value") == "condition-0-path"
    assert form.conditions[0].path == "$.body.y"
    assert apply_change(form, "pick:$.field['First Name']") == "field-1-name"
    assert (form.field_rows[1].name, form.field_rows[1].source) == (
        "first_name",
        "$.field['First Name']",
    )


def test_answer_values_only_go_to_response_keys() -> None:
    form = form_with_fields("email")

    assert apply_change(form, "pick-key:$.results[0].id", active="field-0-name") == "key-0-name"
    assert form.field_rows[0].source == "$.body.email"
    assert (form.key_rows[0].name, form.key_rows[0].source) == ("id", "$.results[0].id")


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("$.body.contact.email", "email"),
        ("$.field['Job Title']", "job_title"),
        ("$.body['lead-score'][0]", "lead-score"),
        ("$.results[0].id", "id"),
        ("$", ""),
    ],
)
def test_a_picked_value_is_named_after_its_last_step(path: str, name: str) -> None:
    assert suggested_name(path) == name


def test_blank_rows_are_dropped_and_rows_keep_their_numbered_order() -> None:
    form = read_form(
        {
            "name": " a ",
            "field-3-name": "later",
            "field-3-source": "$.b",
            "field-1-name": "first",
            "field-1-source": "$.a",
            "field-2-name": "",
            "field-2-source": "",
            "field-1-step-1-name": "lower",
            "field-1-step-0-name": "trim",
            "condition-0-path": "",
        }
    )

    assert form.name == "a"
    assert [row.name for row in form.field_rows] == ["first", "later"]
    assert [step.name for step in form.field_rows[0].steps] == ["trim", "lower"]
    assert form.conditions == []
