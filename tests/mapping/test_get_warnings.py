"""A GET sample whose values were put in the URL without URL-encoding gets warnings; a
properly encoded one gets none."""

from __future__ import annotations

from urllib.parse import quote, urlencode

import pytest
from hypothesis import given
from hypothesis import strategies as st

from server.mapping.get_warnings import ADVICE, MAX_WARNINGS, corrupted_get_warnings

# (raw query string as it arrived, the parameter each warning must name, words it must say)
CORRUPTED = [
    pytest.param(
        "company=Acme & Co&email=jane%40example.com",
        ["“company”"],
        ["cut at an “&”", "“ Co”", "holds only “Acme ”"],
        id="an & inside a value splits it (spaces sent raw)",
    ),
    pytest.param(
        "company=Acme%20&%20Co&email=jane%40example.com",
        ["“company”"],
        ["cut at an “&”", "“ Co”"],
        id="an & inside a value splits it (spaces encoded by the sender's HTTP client)",
    ),
    pytest.param(
        "company=Tom&Jerry&email=a%40b.co",
        ["“company”"],
        ["“Jerry”", "without a value"],
        id="a piece without spaces",
    ),
    pytest.param(
        "note=a & b & c&x=1",
        ["“note”"],
        ["“ b ” and “ c”", "parameters of their own"],
        id="two ampersands in one value",
    ),
    pytest.param(
        "email=jane+test@example.com",
        ["“email”"],
        ["“jane test@example.com”", "probably “jane+test@example.com”", "“+” read as a space"],
        id="a + in an email",
    ),
    pytest.param(
        "phone=+1 415 555 0100",
        ["“phone”"],
        ["“ 1 415 555 0100”", "probably “+1 415 555 0100”"],
        id="a phone number's leading +",
    ),
    pytest.param(
        "phone=+1%20415%20555%200100",
        ["“phone”"],
        ["probably “+1 415 555 0100”"],
        id="a phone number's leading +, spaces encoded by the HTTP client",
    ),
    pytest.param(
        "contact[when]=2024-05-01T10:00:00+02:00",
        ["“contact[when]”"],
        ["probably “2024-05-01T10:00:00+02:00”"],
        id="a time zone offset",
    ),
    pytest.param(
        "note=a&%20b=c",
        ["“ b”"],
        ["starts with a space", "the rest of the value of “note”"],
        id="a name starting with a space",
    ),
    pytest.param(
        "email%20=jane%40example.com",
        ["“email ”"],
        ["ends with a space", "reads “email” will not find it", "remove the space"],
        id="a name ending with a space",
    ),
]


@pytest.mark.parametrize(("query_string", "names", "words"), CORRUPTED)
def test_a_corrupted_get_query_is_explained_by_parameter(
    query_string: str, names: list[str], words: list[str]
) -> None:
    warnings = corrupted_get_warnings(query_string)

    assert len(warnings) == len(names)
    for warning, name in zip(warnings, names, strict=True):
        assert name in warning
        assert "In your platform" in warning
    for word in words:
        assert any(word in warning for warning in warnings), (word, warnings)


def test_each_damaged_parameter_gets_its_own_warning_with_advice() -> None:
    query = "company=Acme & Co&email=jane+test@example.com&phone=+44 20 7946 0958&city=Paris"

    warnings = corrupted_get_warnings(query)

    assert [w.split("”")[0] for w in warnings] == [
        "The value of “company",
        "The value of “email",
        "The value of “phone",
    ]
    assert all(w.endswith(ADVICE) for w in warnings)


def test_many_damaged_parameters_are_counted_after_the_first_ones() -> None:
    query = "&".join(f"email{n}=a+{n}@example.com" for n in range(MAX_WARNINGS + 3))

    warnings = corrupted_get_warnings(query)

    assert len(warnings) == MAX_WARNINGS + 1
    assert warnings[-1] == "3 more parameters look damaged in the same way."


def test_long_values_are_cut_in_the_warning() -> None:
    local = "x" * 300
    [warning] = corrupted_get_warnings(f"email={local}+tag@example.com")
    assert local not in warning
    assert "…" in warning


PROPERLY_ENCODED = [
    pytest.param("", id="empty"),
    pytest.param("email=jane%40example.com&first_name=Jane", id="plain"),
    pytest.param("name=Jane+Doe&city=New+York", id="spaces as +, as forms encode them"),
    pytest.param("email=jane%2Btest%40example.com", id="an encoded + in an email"),
    pytest.param("phone=%2B1+415+555+0100", id="an encoded + in a phone number"),
    pytest.param("company=Acme+%26+Co&x=1", id="an encoded &"),
    pytest.param("when=2024-05-01T10%3A00%3A00%2B02%3A00", id="an encoded offset"),
    pytest.param("when=2024-05-01+10%3A00%3A00", id="a local time with a space"),
    pytest.param("debug&email=a%40b.co", id="a flag without a value, first"),
    pytest.param("contact%5Bemail%5D=a%40b.co&fields%5B0%5D%5Bvalue%5D=Acme", id="brackets"),
    pytest.param("a=1&&b=2&", id="empty segments"),
    pytest.param("total=1+2", id="a + in a value that is no email, phone or time"),
]


@pytest.mark.parametrize("query_string", PROPERLY_ENCODED)
def test_a_properly_encoded_query_gets_no_warning(query_string: str) -> None:
    assert corrupted_get_warnings(query_string) == []


# Contact values of every kind the checks look at, and free text without "@" or ":" (an email
# or a time with a space in it is indistinguishable from a damaged one, and is wrong anyway).
free_text = st.text(
    alphabet=st.characters(
        codec="utf-8", exclude_categories=("Cs", "Zs", "Cc"), exclude_characters="@:"
    )
    | st.sampled_from(" &=+%#?"),
    max_size=30,
).filter(lambda text: text[:1] != " ")
values = st.one_of(
    st.emails(),
    st.from_regex(r"\+[1-9][0-9]{0,2}( [0-9]{2,4}){1,4}", fullmatch=True),
    st.from_regex(
        r"20[0-9]{2}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-5][0-9][+-][01][0-9]:00",
        fullmatch=True,
    ),
    free_text,
)
names = st.sampled_from(
    ["email", "contact[email]", "fields[0][value]", "phone", "first name", "utm.source", "when"]
)


@given(st.lists(st.tuples(names, values), min_size=1, max_size=8))
def test_no_query_a_form_encoder_writes_gets_a_warning(pairs: list[tuple[str, str]]) -> None:
    assert corrupted_get_warnings(urlencode(pairs)) == []
    assert corrupted_get_warnings(urlencode(pairs, quote_via=quote)) == []
