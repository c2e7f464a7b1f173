"""Value transforms: what each one does, how it fails, and the rules they all follow."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from server.mapping.errors import MappingError
from server.mapping.spec import TransformStep
from server.mapping.transforms import (
    TransformError,
    available_transforms,
    compile_chain,
    compile_transform,
    filter_step,
)

DOCS = Path(__file__).parents[2] / "docs" / "transforms.md"

# One working step per transform: the rules every transform follows are tested with these.
SAMPLE_STEPS: dict[str, TransformStep] = {
    "trim": "trim",
    "lower": "lower",
    "upper": "upper",
    "proper": "proper",
    "first_name": "first_name",
    "last_name": "last_name",
    "string": "string",
    "digits": "digits",
    "replace": {"replace": {"old": "-", "new": "+"}},
    "prefix": {"prefix": "+"},
    "suffix": {"suffix": "!"},
    "truncate": {"truncate": 3},
    "default": {"default": "n/a"},
    "first": "first",
    "join": {"join": "; "},
    "split": {"split": ","},
    "number": "number",
    "integer": {"integer": {"decimal": ","}},
    "boolean": "boolean",
    "phone": {"phone": {"region": "FR"}},
    "date": {"date": {"tz": "Europe/Paris", "to": "%Y-%m-%d"}},
    "country_code": "country_code",
    "map": {"map": {"values": {"Warm": "lead"}, "default": "other"}},
    "sha256": "sha256",
}


def run(steps: TransformStep | list[TransformStep], value: Any) -> Any:
    return compile_chain(steps if isinstance(steps, list) else [steps])(value)


def test_every_transform_has_a_sample_step() -> None:
    assert set(SAMPLE_STEPS) == {info.name for info in available_transforms()}


def test_every_transform_is_described_for_the_ui() -> None:
    for info in available_transforms():
        assert info.summary, info.name
        assert info.arguments, info.name
        assert info.example, info.name


def test_every_transform_has_a_heading_in_the_docs() -> None:
    headings = set(re.findall(r"^#{2,4} `?([a-z_0-9]+)`?\s*$", DOCS.read_text("utf-8"), re.M))
    missing = {info.name for info in available_transforms()} - headings
    assert not missing, f"docs/transforms.md has no heading for {sorted(missing)}"


@pytest.mark.parametrize(
    ("steps", "value", "expected"),
    [
        pytest.param("trim", "  jane@example.com \n", "jane@example.com", id="trim"),
        pytest.param("trim", 42, 42, id="trim leaves numbers"),
        pytest.param("lower", "Jane@Example.COM", "jane@example.com", id="lower"),
        pytest.param("upper", "fr", "FR", id="upper"),
        pytest.param("proper", "JEAN-LUC o'neil", "Jean-Luc O'Neil", id="proper"),
        pytest.param(
            "proper", "don't 3rd mcdonald", "Don't 3rd Mcdonald", id="proper keeps it simple"
        ),
        pytest.param("first_name", "Jane van der Berg", "Jane", id="first_name"),
        pytest.param("last_name", "Jane van der Berg", "van der Berg", id="last_name"),
        pytest.param("first_name", "Cher", "Cher", id="first_name of one word"),
        pytest.param("last_name", "Cher", "", id="last_name of one word"),
        pytest.param("last_name", "  ", "", id="last_name of nothing"),
        pytest.param("string", 3.0, "3", id="string drops .0"),
        pytest.param("string", 2.5, "2.5", id="string keeps decimals"),
        pytest.param("string", True, "true", id="string of a yes/no value"),
        pytest.param("digits", "+1 (415) 555-0132", "14155550132", id="digits"),
        pytest.param({"replace": {"old": "-", "new": " "}}, "a-b-c", "a b c", id="replace"),
        pytest.param({"replace": {"old": " "}}, "a b c", "abc", id="replace with nothing"),
        pytest.param({"prefix": "+"}, "14155550132", "+14155550132", id="prefix"),
        pytest.param({"prefix": "+"}, "", "", id="prefix leaves empty text"),
        pytest.param({"suffix": " Inc."}, "Acme", "Acme Inc.", id="suffix"),
        pytest.param({"prefix": 44}, 7, "447", id="prefix of numbers"),
        pytest.param({"truncate": 5}, "Springfield", "Sprin", id="truncate"),
        pytest.param({"default": "n/a"}, "", "n/a", id="default replaces empty text"),
        pytest.param({"default": "n/a"}, [], "n/a", id="default replaces an empty list"),
        pytest.param({"default": "n/a"}, 0, 0, id="default keeps zero"),
        pytest.param({"default": None}, "", None, id="default can be null"),
        pytest.param("first", ["a@x.com", "b@x.com"], "a@x.com", id="first"),
        pytest.param("first", [], None, id="first of an empty list"),
        pytest.param("first", "a@x.com", "a@x.com", id="first of a single value"),
        pytest.param({"join": "; "}, ["a", None, "", 3, 2.0], "a; 3; 2", id="join"),
        pytest.param("join", ["a", "b"], "a,b", id="join with a comma by default"),
        pytest.param("split", "red, green,,blue", ["red", "green", "blue"], id="split"),
        pytest.param({"split": ";"}, ["x"], ["x"], id="split leaves lists"),
        pytest.param("number", "1,234.50", 1234.5, id="number with thousands"),
        pytest.param("number", " 42 ", 42, id="number whole"),
        pytest.param("number", "3.0", 3, id="number integral"),
        pytest.param("number", "-.5", -0.5, id="number without leading zero"),
        pytest.param("number", "1e3", 1000, id="number with exponent"),
        pytest.param("number", "12345678901234567890", 12345678901234567890, id="number exact"),
        pytest.param({"number": {"decimal": ","}}, "1.234,5", 1234.5, id="number european"),
        pytest.param({"number": {"decimal": ","}}, "12 345,6", 12345.6, id="number spaced"),
        pytest.param("number", 7.0, 7, id="number of a float"),
        pytest.param("integer", "42", 42, id="integer"),
        pytest.param("integer", "1,000", 1000, id="integer with thousands"),
        pytest.param("boolean", "Yes", True, id="boolean yes"),
        pytest.param("boolean", "OFF", False, id="boolean off"),
        pytest.param("boolean", "checked", True, id="boolean checked"),
        pytest.param("boolean", 0, False, id="boolean zero"),
        pytest.param({"phone": {"region": "US"}}, "(415) 555-0132", "+14155550132", id="phone"),
        pytest.param("phone", 4155550132, "+14155550132", id="phone as a number"),
        pytest.param({"phone": {"region": "fr"}}, "06 12 34 56 78", "+33612345678", id="phone FR"),
        pytest.param("phone", "+33 1 42 68 53 00", "+33142685300", id="phone with country"),
        pytest.param("country_code", "United States", "US", id="country_code"),
        pytest.param("country_code", "U.S.A.", "US", id="country_code alias"),
        pytest.param("country_code", "Allemagne", "DE", id="country_code in French"),
        pytest.param("country_code", "Côte d'Ivoire", "CI", id="country_code accents"),
        pytest.param("country_code", "the Netherlands", "NL", id="country_code with 'the'"),
        pytest.param("country_code", "fr", "FR", id="country_code of a code"),
        pytest.param(
            {"map": {"values": {"Warm": "lead", "Hot": "opportunity"}, "default": "other"}},
            ["Hot", "Cold"],
            ["opportunity", "other"],
            id="map",
        ),
        pytest.param({"map": {"values": {"Warm": "lead"}}}, "Cold", "Cold", id="map keeps others"),
        pytest.param(
            {"map": {"values": {"Warm": "lead"}, "ignore_case": True}},
            "WARM",
            "lead",
            id="map any case",
        ),
        pytest.param({"map": {"values": {1: "one"}}}, "1", "one", id="map number keys"),
        pytest.param("sha256", "", "", id="sha256 leaves empty text"),
        pytest.param("sha256", "a" * 64, "a" * 64, id="sha256 never hashes twice"),
        pytest.param(
            ["trim", "lower"], ["  A ", None, "B"], ["a", None, "b"], id="lists item by item"
        ),
    ],
)
def test_transforms_turn_values_into(steps: Any, value: Any, expected: Any) -> None:
    result = run(steps, value)
    assert result == expected
    assert type(result) is type(expected)


def test_the_normalised_email_hash_is_what_ad_audiences_expect() -> None:
    expected = hashlib.sha256(b"test@example.com").hexdigest()
    assert run(["trim", "lower", "sha256"], "  Test@Example.COM ") == expected
    assert run("sha256", "  Test@Example.COM ") == expected


def test_a_phone_is_hashed_as_digits_without_the_plus() -> None:
    steps: list[TransformStep] = [{"phone": {"region": "US"}}, "digits", "sha256"]
    assert run(steps, "(415) 555-0132") == hashlib.sha256(b"14155550132").hexdigest()


PARIS = {"tz": "Europe/Paris"}


@pytest.mark.parametrize(
    ("options", "value", "expected"),
    [
        pytest.param(PARIS, "11/30/1998 00:00", "1998-11-30T00:00:00+01:00", id="US slashes"),
        pytest.param(PARIS, "2022-05-26 05:40 PM", "2022-05-26T17:40:00+02:00", id="12-hour"),
        pytest.param(PARIS, "24-06-2022 10:43 AM", "2022-06-24T10:43:00+02:00", id="day first"),
        pytest.param(PARIS, "1653586800", "2022-05-26T19:40:00+02:00", id="epoch text"),
        pytest.param(PARIS, 1653586800, "2022-05-26T19:40:00+02:00", id="epoch number"),
        pytest.param(PARIS, "1653586800123", "2022-05-26T19:40:00.123000+02:00", id="epoch ms"),
        pytest.param(PARIS, "2024-04-02T14:22:10+05:00", "2024-04-02T11:22:10+02:00", id="offset"),
        pytest.param({}, "2024-04-02T14:22:10Z", "2024-04-02T14:22:10+00:00", id="UTC"),
        pytest.param({}, "2024-04-02 14:22:10 GMT", "2024-04-02T14:22:10+00:00", id="GMT"),
        pytest.param({"dayfirst": True}, "05/06/2022", "2022-06-05T00:00:00+00:00", id="dayfirst"),
        pytest.param({}, "05/06/2022", "2022-05-06T00:00:00+00:00", id="month first"),
        pytest.param({"to": "%d/%m/%Y"}, "2022-05-26", "26/05/2022", id="format out"),
        pytest.param({"to": "epoch"}, "2022-05-26T17:40:00Z", 1653586800, id="to epoch"),
        pytest.param({"to": "epoch_ms"}, "2022-05-26T17:40:00.5Z", 1653586800500, id="to ms"),
        pytest.param(
            {"from": "%d-%m-%Y %I:%M %p", "tz": "America/New_York"},
            "24-06-2022 10:43 AM",
            "2022-06-24T10:43:00-04:00",
            id="format in",
        ),
        pytest.param({"from": "epoch"}, "1653586800", "2022-05-26T17:40:00+00:00", id="epoch"),
        pytest.param({"from": "epoch_ms"}, 1653586800000, "2022-05-26T17:40:00+00:00", id="ms"),
        pytest.param(
            {"tz": "Europe/Paris", "output_tz": "UTC", "to": "%Y-%m-%d"},
            "11/30/1998 00:00",
            "1998-11-29",
            id="output zone",
        ),
        pytest.param(PARIS, "", None, id="blank is missing"),
    ],
)
def test_dates_are_read_in_every_shape_the_platforms_send(
    options: dict[str, Any], value: Any, expected: Any
) -> None:
    assert run({"date": options}, value) == expected


@pytest.mark.parametrize(
    ("steps", "value", "words"),
    [
        ("date", "not-a-date", ["date", "'not-a-date'"]),
        ("date", "June", ["not a full date"]),
        ("date", "10:43", ["not a full date"]),
        ("date", "2022-05-26 10:00 EST", ["'EST'", "offset"]),
        ("date", "1" * 101, ["too long"]),
        ("date", True, ["yes/no"]),
        ({"date": {"from": "%Y-%m-%d"}}, "26/05/2022", ["does not match", "%Y-%m-%d"]),
        ({"date": {"from": "epoch"}}, "yesterday", ["Unix time"]),
        ({"date": {"from": "epoch"}}, "1e20", ["out of the range"]),
        ("number", "abc", ["number", "'abc'"]),
        ("number", "1,2", ["decimal: ','"]),
        ("number", "1e400", ["too large"]),
        ("number", float("nan"), ["not a number"]),
        ("number", True, ["yes/no"]),
        ("integer", "3.7", ["not a whole number"]),
        ("boolean", "maybe", ["'maybe'", "yes or no"]),
        ("boolean", 2, ["yes or no"]),
        ("phone", "abc", ["'abc'", "not a phone number"]),
        ("phone", "06 12 34 56 78", ["not a valid phone number", "US"]),
        ("country_code", "Narnia", ["'Narnia'"]),
        ("trim", {"email": "x"}, ["group of fields"]),
        ("trim", [["a"]], ["list inside a list"]),
        ("join", [{"a": 1}], ["join"]),
        ({"replace": {"old": "a", "new": "b" * 1000}}, "a" * 5000, ["limit"]),
    ],
)
def test_values_that_cannot_be_transformed_say_which_and_why(
    steps: Any, value: Any, words: list[str]
) -> None:
    with pytest.raises(TransformError) as caught:
        run(steps, value)
    for word in words:
        assert word in caught.value.message


@pytest.mark.parametrize(
    ("step", "words"),
    [
        ("lowr", ["unknown transform 'lowr'", "did you mean 'lower'?"]),
        ("Trim", ["did you mean 'trim'?"]),
        ({"trim": "x"}, ["takes no argument"]),
        ({"date": None, "tz": "UTC"}, ["several", "date, tz"]),
        (3, ["a transform step is a name"]),
        ({"prefix": None}, ["needs an argument"]),
        ("default", ["needs the value"]),
        ({"truncate": "ten"}, ["whole number", "'ten'"]),
        ({"truncate": 0}, ["whole number"]),
        ({"replace": {"new": "x"}}, ["the text to find"]),
        ({"replace": {"old": ""}}, ["the text to find"]),
        ({"split": ""}, ["not empty"]),
        ({"map": {"Warm": "lead"}}, ["no option 'Warm'"]),
        ({"map": {"values": {}}}, ["table under 'values'"]),
        ({"map": {"values": {"a": 1}, "ignore_case": "yes"}}, ["true or false"]),
        ({"number": {"decimal": ";"}}, ["'.' or ','"]),
        ({"phone": {"region": "Atlantis"}}, ["two-letter country code"]),
        ({"phone": {"regoin": "US"}}, ["did you mean 'region'?"]),
        ({"phone": "US"}, ["named options"]),
        ({"date": {"tz": "Europe/Pari"}}, ["unknown time zone", "Europe/Paris"]),
        ({"date": {"tz": "../../etc/passwd"}}, ["unknown time zone"]),
        ({"date": {"to": "iso8601"}}, ["% codes"]),
        ({"date": {"from": "%Q"}}, ["not a valid format"]),
        ({"date": {"dayfirst": "yes"}}, ["true or false"]),
    ],
)
def test_bad_steps_are_refused_when_the_mapping_loads(step: Any, words: list[str]) -> None:
    with pytest.raises(MappingError) as caught:
        compile_transform(step)
    assert not isinstance(caught.value, TransformError)
    for word in words:
        assert word in caught.value.message


def test_a_bad_step_is_located_at_its_index_in_the_chain() -> None:
    with pytest.raises(MappingError) as caught:
        compile_chain(["trim", "lower", "lowr"])
    assert caught.value.location == (2,)


def test_a_failure_at_run_time_is_located_at_its_step() -> None:
    chain = compile_chain(["trim", "number"])
    with pytest.raises(TransformError) as caught:
        chain("abc")
    assert caught.value.location == (1,)


def test_an_empty_chain_changes_nothing() -> None:
    assert compile_chain([])(["a", 1]) == ["a", 1]


@pytest.mark.parametrize("name", sorted(set(SAMPLE_STEPS) - {"default"}))
def test_a_missing_value_stays_missing(name: str) -> None:
    assert compile_transform(SAMPLE_STEPS[name])(None) is None


@pytest.mark.parametrize(
    ("call", "step"),
    [
        (("lower", (), {}), "lower"),
        (("prefix", ("+",), {}), {"prefix": "+"}),
        (("date", ("%Y",), {"tz": "UTC"}), {"date": {"to": "%Y", "tz": "UTC"}}),
        (("replace", ("-", ""), {}), {"replace": {"old": "-", "new": ""}}),
        (("phone", (), {"region": "FR"}), {"phone": {"region": "FR"}}),
    ],
)
def test_template_filter_calls_stand_for_steps(call: Any, step: TransformStep) -> None:
    name, args, kwargs = call
    assert filter_step(name, args, kwargs) == step


def test_filter_calls_with_too_many_values_are_refused() -> None:
    with pytest.raises(MappingError, match="at most 2"):
        filter_step("replace", ("a", "b", "c"), {})
    with pytest.raises(MappingError, match="one value"):
        filter_step("prefix", ("a", "b"), {})


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=4)
    ),
    max_leaves=8,
)


@given(name=st.sampled_from(sorted(SAMPLE_STEPS)), value=JSON_VALUES)
def test_transforms_fail_only_with_their_own_plain_errors(name: str, value: Any) -> None:
    transform = compile_transform(SAMPLE_STEPS[name])
    try:
        transform(value)
    except TransformError as err:
        message = err.message
    else:
        return
    assert message.startswith(f"{name}: ")
    assert "unexpected problem" not in message  # the safety net caught what the transform missed
