"""The Facebook preset hashes emails and phones exactly as Meta's published examples do.

Meta's customer information parameters page
(https://developers.facebook.com/docs/marketing-api/conversions-api/parameters/customer-information-parameters)
gives, for the normalisation Custom Audiences share ("Hashing and Normalizing Data" in
https://developers.facebook.com/docs/marketing-api/audiences/guides/custom-audiences):

- email: trim, lower-case; ``John_Smith@gmail.com`` -> ``john_smith@gmail.com`` ->
  ``62a14e44f765419d10fea99367361a727c12365e2520f32218d505ed9aa0f62f``;
- phone: digits only with the country code, no leading zeros; US ``(650)555-1212`` ->
  ``16505551212`` -> ``e323ec626319ca94ee8bff2e4c87cf613be6ea19919ed1364124e16807ab3176``.

The rules are read from the preset file itself, so a change to its transforms is checked here.
"""

from __future__ import annotations

from typing import Any

import pytest
from preset_examples import MAPPINGS

from server.mapping.apply import event_context
from server.mapping.compile import CompiledValue, compile_value
from server.mapping.files import load_documents
from server.mapping.transforms import TransformError

EMAIL_RULE = "payload.data[0][0]"
PHONE_RULE = "payload.data[0][1]"


def preset_rule(target: str) -> CompiledValue:
    text = (MAPPINGS / "facebook-custom-audience.yaml").read_text(encoding="utf-8")
    (document,) = load_documents(text)
    (action,) = document.actions
    return compile_value(action.fields[target])


def value_for(target: str, contact: dict[str, Any]) -> Any:
    payload = {"query": {}, "body": {"contact": contact}}
    return preset_rule(target).evaluate(event_context(payload, {}))


@pytest.mark.parametrize(
    "email",
    ["John_Smith@gmail.com", "  john_smith@GMAIL.com\t", "john_smith@gmail.com"],
)
def test_email_hash_is_metas_published_example(email: str) -> None:
    assert value_for(EMAIL_RULE, {"email": email}) == (
        "62a14e44f765419d10fea99367361a727c12365e2520f32218d505ed9aa0f62f"
    )


@pytest.mark.parametrize(
    "phone",
    ["(650)555-1212", "+1 (650) 555-1212", "1-650-555-1212", "+16505551212"],
)
def test_us_phone_hash_is_metas_published_example(phone: str) -> None:
    assert value_for(PHONE_RULE, {"phone": phone}) == (
        "e323ec626319ca94ee8bff2e4c87cf613be6ea19919ed1364124e16807ab3176"
    )


def test_a_number_with_another_country_code_keeps_it_and_loses_its_trunk_zero() -> None:
    # For Meta, +44 (0)20 7946 0958 is 442079460958: country code kept, trunk zero dropped.
    assert value_for(PHONE_RULE, {"phone": "+44 (0)20 7946 0958"}) == (
        "35e206e5dec4c89b9e8b71b8c32724a5bb518483ac5a20c6617d738375b3b823"
    )


@pytest.mark.parametrize("contact", [{}, {"phone": ""}, {"phone": "   "}])
def test_a_missing_phone_is_sent_as_an_empty_value(contact: dict[str, Any]) -> None:
    assert value_for(PHONE_RULE, contact) == ""


def test_an_invalid_phone_stops_the_action_with_an_error_naming_it() -> None:
    with pytest.raises(TransformError, match="555-01"):
        value_for(PHONE_RULE, {"phone": "555-01"})
