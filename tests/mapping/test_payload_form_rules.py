"""Form decoding, rule by rule (spec section 2): what PHP's parse_str does, minus its data loss."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from server.mapping.errors import PayloadError
from server.mapping.payload import normalise, parse_form

SAMPLES = Path(__file__).resolve().parents[1] / "samples"


def table(*rows: tuple[str | bytes, dict[str, Any]]) -> pytest.MarkDecorator:
    return pytest.mark.parametrize(("form", "expected"), rows, ids=[repr(row[0]) for row in rows])


# ---------------------------------------------------------------- rule 1: `&` separates pairs


@table(
    ("a=1&b=2", {"a": "1", "b": "2"}),
    ("a=1;b=2", {"a": "1;b=2"}),
    ("&&a=1&&&b=2&", {"a": "1", "b": "2"}),
    ("&", {}),
    ("", {}),
)
def test_pairs_are_split_on_ampersands_only_and_empty_segments_are_skipped(
    form: str, expected: dict[str, Any]
) -> None:
    assert parse_form(form) == expected


# ---------------------------------------------------------------- rule 2: the first `=` splits


@table(
    ("a=b=c", {"a": "b=c"}),
    ("flag", {"flag": ""}),
    ("flag=", {"flag": ""}),
    ("a%3Db=c", {"a=b": "c"}),
    ("a=x%26y", {"a": "x&y"}),
)
def test_a_pair_splits_at_its_first_equals_sign_and_a_bare_name_has_an_empty_value(
    form: str, expected: dict[str, Any]
) -> None:
    assert parse_form(form) == expected


# ---------------------------------------------------------------- rule 3: `+`, then `%XX`, once


@table(
    ("a=b+c", {"a": "b c"}),
    ("first+name=Jane", {"first name": "Jane"}),
    ("a=%2B1+(415)", {"a": "+1 (415)"}),
    ("a=jane.doe%2Bbench%40example.com", {"a": "jane.doe+bench@example.com"}),
    ("a=%4a%4A", {"a": "JJ"}),
    ("a=100%", {"a": "100%"}),
    ("a=%zz", {"a": "%zz"}),
    ("a=%4", {"a": "%4"}),
    ("a=%%41", {"a": "%A"}),
    ("a=50%25+off", {"a": "50% off"}),
    ("a=%2541", {"a": "%41"}),
    ("a=%255B", {"a": "%5B"}),
    ("a%5Bb%5D=1", {"a": {"b": "1"}}),
    ("a%5bb%5d=1", {"a": {"b": "1"}}),
    ("a%255Bb%255D=1", {"a%5Bb%5D": "1"}),
    ("a=%5B%5D%26%3D%2B%25", {"a": "[]&=+%"}),
)
def test_plus_is_a_space_and_percent_escapes_are_decoded_exactly_once(
    form: str, expected: dict[str, Any]
) -> None:
    assert parse_form(form) == expected


# ---------------------------------------------------------------- rule 4: bytes to text


@table(
    ("name=Ren%C3%A9e+M%C3%BCller", {"name": "Renée Müller"}),
    ("name=Ren\u00e9e".encode(), {"name": "Renée"}),
    ("city=%E6%9D%B1%E4%BA%AC", {"city": "東京"}),
    ("city=東京".encode(), {"city": "東京"}),
    ("mood=%F0%9F%98%80", {"mood": "😀"}),
    (b"name=Ren\xc3%A9e", {"name": "Renée"}),
    ("%C3%A9t%C3%A9=summer", {"été": "summer"}),
    ("a=%FF", {"a": "\ufffd"}),
    (b"a=\xff", {"a": "\ufffd"}),
    ("a=%E2%82", {"a": "\ufffd"}),
    ("a=%E2%82%E2%82x", {"a": "\ufffd\ufffdx"}),
    ("a=%C3%28", {"a": "\ufffd("}),
    ("a=%ED%A0%80", {"a": "\ufffd\ufffd\ufffd"}),
    (b"%FF=1", {"\ufffd": "1"}),
)
def test_text_is_utf8_with_each_ill_formed_sequence_replaced_once(
    form: str | bytes, expected: dict[str, Any]
) -> None:
    assert parse_form(form) == expected


@pytest.mark.parametrize(
    ("charset", "form", "expected"),
    [
        ("iso-8859-1", b"name=Ren%E9e", {"name": "Renée"}),
        ("ISO-8859-1", b"name=Ren\xe9e", {"name": "Renée"}),
        ("latin1", b"%E9t%E9=x", {"été": "x"}),
        ("iso-8859-1", b"a=%80", {"a": "\x80"}),
        ("windows-1252", b"price=%8020+%96+%9Cuvre", {"price": "€20 – œuvre"}),
        ("windows-1252", b"a=%81", {"a": "\ufffd"}),
        ("shift_jis", b"city=%93%8C%8B%9E", {"city": "東京"}),
        ("utf-16-le", b"%61%00=%41%00%3D%D8", {"a": "A\ufffd"}),
        ("UTF-8", b"a=%C3%A9", {"a": "é"}),
        ("utf-7", b"a=%2B2AA-", {"a": "\ufffd\ufffd\ufffd"}),  # a lone surrogate never leaks
    ],
)
def test_a_declared_charset_decodes_names_and_values(
    charset: str, form: bytes, expected: dict[str, Any]
) -> None:
    assert parse_form(form, charset=charset) == expected


def test_the_body_charset_does_not_apply_to_the_query_string() -> None:
    payload = normalise(
        method="POST",
        content_type="application/x-www-form-urlencoded; charset=ISO-8859-1",
        query_string=b"q=%C3%A9&r=%E9",
        body=b"b=%E9",
    )
    assert payload.query == {"q": "é", "r": "\ufffd"}
    assert payload.body == {"b": "é"}


@pytest.mark.parametrize("charset", ["klingon", "rot13", "base64", "idna", "undefined"])
def test_a_charset_that_cannot_decode_text_is_refused_with_415(charset: str) -> None:
    with pytest.raises(PayloadError) as refused:
        normalise(
            method="POST",
            content_type=f"application/x-www-form-urlencoded; charset={charset}",
            query_string=b"",
            body=b"a=1",
        )
    assert (refused.value.status, refused.value.code) == (415, "unknown_charset")


def test_an_empty_charset_parameter_means_utf8() -> None:
    payload = normalise(
        method="POST",
        content_type='application/x-www-form-urlencoded; charset=""',
        query_string=b"",
        body=b"a=%C3%A9",
    )
    assert payload.body == {"a": "é"}


# ---------------------------------------------------------------- rule 5: which names are skipped


@table(
    ("+a=1", {"a": "1"}),
    ("%20%20a=1", {"a": "1"}),
    ("a+=1", {"a ": "1"}),
    ("%09a=1", {"\ta": "1"}),
    ("+=1&b=2", {"b": "2"}),
    ("=1&b=2", {"b": "2"}),
    ("[a]=1&b=2", {"b": "2"}),
    ("+[a]=1&b=2", {"b": "2"}),
    ("%5B%5D=1&b=2", {"b": "2"}),
)
def test_leading_spaces_are_dropped_and_empty_or_bracket_first_names_are_skipped(
    form: str, expected: dict[str, Any]
) -> None:
    assert parse_form(form) == expected


# ---------------------------------------------------------------- rule 6: brackets


@table(
    ("contact[email]=j%40x.io", {"contact": {"email": "j@x.io"}}),
    ("a[b][c]=1", {"a": {"b": {"c": "1"}}}),
    ("g[[h]]=1", {"g": {"[h": "1"}}),
    ("d[e]f=1", {"d": {"e": "1"}}),
    ("d[e]f[g]=1", {"d": {"e": "1"}}),
    ("d[e]+[g]=1", {"d": {"e": "1"}}),
    ("a[=1", {"a[": "1"}),
    ("a[b=1", {"a[b": "1"}),
    ("a[b[c=1", {"a[b[c": "1"}),
    ("n[o][p=1", {"n": {"o": "1"}}),
    ("n[o][p[q]=1", {"n": {"o": {"p[q": "1"}}}),
    ("a]b[c]=1", {"a]b": {"c": "1"}}),
    ("a[b+c]=1", {"a": {"b c": "1"}}),
    ("a[]=x", {"a": ["x"]}),
    ("a[][]=x", {"a": [["x"]]}),
)
def test_brackets_are_read_as_php_reads_them(form: str, expected: dict[str, Any]) -> None:
    assert parse_form(form) == expected


@pytest.mark.parametrize(
    ("index", "is_integer"),
    [
        ("0", True),
        ("7", True),
        ("-3", True),
        ("9223372036854775807", True),
        ("-9223372036854775808", True),
        ("01", False),
        ("%2B1", False),
        ("1.5", False),
        ("-0", False),
        ("-", False),
        ("1e3", False),
        ("+1", False),
        ("9223372036854775808", False),
        ("-9223372036854775809", False),
        ("%D9%A3", False),  # an Arabic-Indic three: a digit, but not a decimal integer key
        ("x", False),
    ],
)
def test_only_canonical_64_bit_integers_are_integer_keys(index: str, is_integer: bool) -> None:
    # An integer key moves where `[]` appends next; a string key does not.
    parsed = parse_form(f"a[k]=w&a[{index}]=x&a[]=y")["a"]
    appended_at = [key for key, value in parsed.items() if value == "y"]
    if is_integer:
        assert appended_at == [str(int(index) + 1)]
    else:
        assert appended_at == ["0"]


def test_top_level_names_are_always_string_keys() -> None:
    assert parse_form("0=a&1=b") == {"0": "a", "1": "b"}


@pytest.mark.parametrize("levels", [1, 2, 63, 64])
def test_up_to_64_bracket_levels_are_kept(levels: int) -> None:
    parsed: Any = parse_form("a" + "[]" * levels + "=x")["a"]
    for _ in range(levels):
        parsed = parsed[0]
    assert parsed == "x"


@pytest.mark.parametrize("name", ["a" + "[]" * 65, "a" + "[b]" * 65, "a" + "[long-key-name]" * 65])
def test_more_than_64_bracket_levels_are_refused_not_dropped(name: str) -> None:
    with pytest.raises(PayloadError) as refused:
        parse_form(f"ok=1&{name}=x")
    assert (refused.value.status, refused.value.code) == (400, "too_deeply_nested")


# ---------------------------------------------------------------- rule 7: assignment


@table(
    ("a=1&a=2", {"a": "2"}),
    ("a[x]=1&a[]=2&a[5]=3&a[]=4", {"a": {"x": "1", "0": "2", "5": "3", "6": "4"}}),
    ("f[][id]=1&f[][name]=x", {"f": [{"id": "1"}, {"name": "x"}]}),
    ("a[]=1&a[]=2&a[0]=3", {"a": ["3", "2"]}),
    ("a[-3]=x&a[]=y", {"a": {"-3": "x", "-2": "y"}}),
    ("a[b][c]=1&a[b][c]=2", {"a": {"b": {"c": "2"}}}),
)
def test_later_writes_win_and_brackets_append_after_the_largest_integer_key(
    form: str, expected: dict[str, Any]
) -> None:
    assert parse_form(form) == expected


@table(
    ("a=1&a[b]=2", {"a": {"b": "2"}}),
    ("a[b]=2&a=1", {"a": "1"}),
    ("a[b]=1&a[b][c]=2", {"a": {"b": {"c": "2"}}}),
    ("a[b][c]=2&a[b]=1", {"a": {"b": "1"}}),
    ("a[]=1&a[0][x]=2", {"a": [{"x": "2"}]}),
    ("a[b]=2&a=1&a[c]=3", {"a": {"c": "3"}}),
)
def test_a_scalar_and_an_array_replace_each_other_whichever_comes_last(
    form: str, expected: dict[str, Any]
) -> None:
    assert parse_form(form) == expected


def test_keys_keep_the_order_they_were_first_written_in() -> None:
    parsed = parse_form("b=1&a=2&c[y]=1&c[x]=2&b=3&c[y]=4&a[z]=5")
    assert list(parsed) == ["b", "a", "c"]
    assert list(parsed["c"]) == ["y", "x"]
    assert parsed == {"b": "3", "a": {"z": "5"}, "c": {"y": "4", "x": "2"}}


# ---------------------------------------------------------------- rule 8: lists or objects


@table(
    ("a[0]=x&a[1]=y", {"a": ["x", "y"]}),
    ("a[1]=x&a[0]=y", {"a": {"1": "x", "0": "y"}}),
    ("a[0]=x&a[2]=y", {"a": {"0": "x", "2": "y"}}),
    ("a[1]=x", {"a": {"1": "x"}}),
    ("a[0]=x&a[0]=y", {"a": ["y"]}),
    ("a[0]=x&a[b]=y", {"a": {"0": "x", "b": "y"}}),
    ("contact[fields][27]=Acme", {"contact": {"fields": {"27": "Acme"}}}),
    (
        "fields[0][name]=Company&fields[0][value]=Acme&fields[1][name]=City",
        {"fields": [{"name": "Company", "value": "Acme"}, {"name": "City"}]},
    ),
)
def test_arrays_keyed_zero_to_n_in_order_become_lists_and_others_objects(
    form: str, expected: dict[str, Any]
) -> None:
    assert parse_form(form) == expected


# ---------------------------------------------------------------- rule 9: values stay strings


def test_form_values_are_never_coerced() -> None:
    parsed = parse_form("zip=01234&n=42&f=1.50&t=true&z=null&d=2024-05-26+05%3A40+PM&e=")
    assert parsed == {
        "zip": "01234",
        "n": "42",
        "f": "1.50",
        "t": "true",
        "z": "null",
        "d": "2024-05-26 05:40 PM",
        "e": "",
    }


# ---------------------------------------------------------------- rule 10: PHP-compatible names


@pytest.mark.parametrize(
    ("form", "as_sent", "php_compatible"),
    [
        ("utm.source=x", {"utm.source": "x"}, {"utm_source": "x"}),
        ("utm+source=x", {"utm source": "x"}, {"utm_source": "x"}),
        ("+a.b=x", {"a.b": "x"}, {"a_b": "x"}),
        ("a.b[c.d+e]=x", {"a.b": {"c.d e": "x"}}, {"a_b": {"c.d e": "x"}}),
        ("a.b[c.d=x", {"a.b[c.d": "x"}, {"a_b_c_d": "x"}),
        ("a[b]=x", {"a": {"b": "x"}}, {"a": {"b": "x"}}),
        ("a.b=1&a_b=2", {"a.b": "1", "a_b": "2"}, {"a_b": "2"}),
    ],
)
def test_names_are_kept_as_sent_unless_php_compatible_names_are_asked_for(
    form: str, as_sent: dict[str, Any], php_compatible: dict[str, Any]
) -> None:
    assert parse_form(form) == as_sent
    assert parse_form(form, php_names=True) == php_compatible


def test_php_compatible_names_apply_to_the_query_string_and_the_body() -> None:
    payload = normalise(
        method="POST",
        content_type=None,
        query_string=b"utm.source=mail",
        body=b"utm.medium=email",
        php_names=True,
    )
    assert payload.as_json() == {
        "query": {"utm_source": "mail"},
        "body": {"utm_medium": "email"},
    }


# ---------------------------------------------------------------- real payloads


def test_a_contact_with_5000_page_visits_passes_whole() -> None:
    pairs = [("contact[email]", "jane+x@example.com")]
    for i in range(5000):
        pairs += [
            (f"pages-visited[{i}][url]", f"https://www.example.com/blog/post-{i}?utm=vbout&x=%"),
            (f"pages-visited[{i}][visit_date]", f"2024-05-{1 + i % 28:02d} 10:{i % 60:02d}:00"),
        ]
    body = urlencode(pairs).encode()
    assert len(body) > 500_000
    payload = normalise(
        method="POST",
        content_type="application/x-www-form-urlencoded",
        query_string=b"",
        body=body,
    )
    pages = payload.body["pages-visited"]
    assert len(pages) == 5000
    assert pages[4999] == {
        "url": "https://www.example.com/blog/post-4999?utm=vbout&x=%",
        "visit_date": "2024-05-16 10:19:00",
    }
    assert payload.body["contact"] == {"email": "jane+x@example.com"}


def test_the_sample_form_post_and_json_post_normalise_to_the_same_body() -> None:
    form = normalise(
        method="POST",
        content_type="application/x-www-form-urlencoded",
        query_string=b"",
        body=(SAMPLES / "platform-form-post.txt").read_bytes(),
    )
    as_json = normalise(
        method="POST",
        content_type="application/json",
        query_string=b"",
        body=(SAMPLES / "platform-json-post.json").read_bytes(),
    )
    assert (form.body_format, as_json.body_format) == ("form", "json")
    assert form.body == as_json.body
    assert form.body == json.loads((SAMPLES / "platform-json-post.json").read_text())
    assert form.body["fields"][2] == {
        "id": "300103",
        "name": "Company",
        "value": "Acme Widgets & Co.",
    }
