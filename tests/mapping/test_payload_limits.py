"""Limits (spec section 3): each one an explicit 4xx with a short JSON body, never truncation."""

from __future__ import annotations

import json

import pytest

from server.mapping.errors import PayloadError
from server.mapping.payload import DEFAULT_LIMITS, MAX_DEPTH, Limits, normalise, parse_form

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"


def refused(
    body: bytes,
    content_type: str | None = FORM,
    query: bytes = b"",
    limits: Limits = DEFAULT_LIMITS,
) -> PayloadError:
    with pytest.raises(PayloadError) as raised:
        normalise(
            method="POST", content_type=content_type, query_string=query, body=body, limits=limits
        )
    return raised.value


def accepted(
    body: bytes,
    content_type: str | None = FORM,
    query: bytes = b"",
    limits: Limits = DEFAULT_LIMITS,
) -> dict[str, object]:
    payload = normalise(
        method="POST", content_type=content_type, query_string=query, body=body, limits=limits
    )
    return payload.body


def test_the_defaults_are_10_mib_100000_fields_and_64_levels() -> None:
    assert Limits() == Limits(max_body_bytes=10 * 1024 * 1024, max_pairs=100_000, max_depth=64)


@pytest.mark.parametrize(
    "limits",
    [
        {"max_depth": 0},
        {"max_depth": MAX_DEPTH + 1},
        {"max_pairs": 0},
        {"max_body_bytes": -1},
    ],
)
def test_limits_that_could_not_work_are_refused_when_configured(limits: dict[str, int]) -> None:
    with pytest.raises(ValueError, match="limit"):
        Limits(**limits)


def test_the_deepest_configurable_nesting_is_decoded_without_exhausting_the_stack() -> None:
    limits = Limits(max_depth=MAX_DEPTH)
    form = "a" + "[]" * MAX_DEPTH + "=x"
    as_json = '{"a": ' + "[" * MAX_DEPTH + '"x"' + "]" * MAX_DEPTH + "}"
    assert accepted(form.encode(), limits=limits) == accepted(as_json.encode(), JSON, limits=limits)


# ---------------------------------------------------------------- body size


@pytest.mark.parametrize(
    "content_type", [FORM, JSON, "multipart/form-data; boundary=b", "text/plain"]
)
def test_a_body_over_the_size_limit_is_refused_with_413_whatever_its_type(
    content_type: str,
) -> None:
    error = refused(b"a=" + b"x" * 99, content_type, limits=Limits(max_body_bytes=100))
    assert (error.status, error.code, error.limit) == (413, "body_too_large", 100)
    assert error.as_json() == {"error": "body_too_large", "detail": error.detail, "limit": 100}


def test_a_body_exactly_at_the_size_limit_is_accepted() -> None:
    assert accepted(b"a=" + b"x" * 98, limits=Limits(max_body_bytes=100)) == {"a": "x" * 98}


def test_the_default_size_limit_is_10_mib() -> None:
    assert accepted(b"a=" + b"x" * (10 * 1024 * 1024 - 2)) == {"a": "x" * (10 * 1024 * 1024 - 2)}
    assert refused(b"a=" + b"x" * (10 * 1024 * 1024 - 1)).code == "body_too_large"


# ---------------------------------------------------------------- number of fields


def test_fields_up_to_the_limit_are_kept_and_one_more_is_refused_with_413() -> None:
    limits = Limits(max_pairs=3)
    assert accepted(b"a=1&b=2&c=3", limits=limits) == {"a": "1", "b": "2", "c": "3"}
    error = refused(b"a=1&b=2&c=3&d=4", limits=limits)
    assert (error.status, error.code, error.limit) == (413, "too_many_fields", 3)


def test_empty_segments_do_not_count_as_fields() -> None:
    assert accepted(b"&&a=1&&&b=2&&c=3&&&", limits=Limits(max_pairs=3)) == {
        "a": "1",
        "b": "2",
        "c": "3",
    }
    assert refused(b"&&a=1&&&b=2&&c=3&&&d&", limits=Limits(max_pairs=3)).code == "too_many_fields"


def test_the_query_string_has_the_same_field_limit() -> None:
    error = refused(b"x=1", query=b"a=1&b=2&c=3", limits=Limits(max_pairs=2))
    assert error.code == "too_many_fields"


def test_multipart_parts_count_as_fields() -> None:
    part = b'--b\r\nContent-Disposition: form-data; name="a[]"\r\n\r\n1\r\n'
    body = part * 3 + b"--b--\r\n"
    assert accepted(body, "multipart/form-data; boundary=b", limits=Limits(max_pairs=3)) == {
        "a": ["1", "1", "1"]
    }
    error = refused(part + body, "multipart/form-data; boundary=b", limits=Limits(max_pairs=3))
    assert (error.status, error.code) == (413, "too_many_fields")


def test_the_default_field_limit_is_100000_and_thousands_more_than_php_keeps() -> None:
    at_limit = b"&".join(b"v[]=%d" % i for i in range(100_000))
    visits = accepted(at_limit)["v"]
    assert isinstance(visits, list)
    assert (len(visits), visits[-1]) == (100_000, "99999")
    assert refused(at_limit + b"&one=more").code == "too_many_fields"


# ---------------------------------------------------------------- nesting


@pytest.mark.parametrize("depth", [1, 2, 3])
def test_form_nesting_up_to_the_limit_is_kept_and_deeper_is_refused_with_400(depth: int) -> None:
    limits = Limits(max_depth=depth)
    assert parse_form("a" + "[k]" * depth + "=x", limits=limits)
    with pytest.raises(PayloadError) as raised:
        parse_form("a" + "[k]" * (depth + 1) + "=x", limits=limits)
    assert (raised.value.status, raised.value.code, raised.value.limit) == (
        400,
        "too_deeply_nested",
        depth,
    )


@pytest.mark.parametrize("index", ["", "0", "k", "a-much-longer-index-name-than-usual"])
def test_the_default_form_nesting_limit_is_64_bracket_levels(index: str) -> None:
    name = "a" + f"[{index}]" * 64
    assert accepted(name.encode() + b"=x")
    assert refused(name.encode() + b"[]=x").code == "too_deeply_nested"


def test_a_huge_bracket_name_is_refused_without_being_walked() -> None:
    assert refused(b"a" + b"[]" * 1_000_000 + b"=x").code == "too_deeply_nested"


def test_json_nesting_counts_levels_below_the_top_object_like_form_brackets() -> None:
    form_64 = "a" + "[k]" * 64 + "=x"
    json_64 = '{"a": ' + '{"k": ' * 64 + '"x"' + "}" * 65
    assert accepted(form_64.encode()) == accepted(json_64.encode(), JSON)
    json_65 = '{"a": ' + '{"k": ' * 65 + '"x"' + "}" * 66
    error = refused(json_65.encode(), JSON)
    assert (error.status, error.code, error.limit) == (400, "too_deeply_nested", 64)


@pytest.mark.parametrize("depth", [1, 2, 5])
def test_json_nesting_follows_a_configured_limit(depth: int) -> None:
    limits = Limits(max_depth=depth)
    assert accepted(b'{"a": ' + b"[" * depth + b"]" * depth + b"}", JSON, limits=limits)
    deeper = b'{"a": ' + b"[" * (depth + 1) + b"]" * (depth + 1) + b"}"
    assert refused(deeper, JSON, limits=limits).code == "too_deeply_nested"


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 100_000,
        b"[" * 100_000 + b"]" * 100_000,
        b'{"a": ' * 100_000,
        b'{"a": ' * 100_000 + b"1" + b"}" * 100_000,
        b'{"a": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
    ],
    ids=[
        "unclosed lists",
        "closed lists",
        "unclosed objects",
        "closed objects",
        "inside an object",
    ],
)
def test_json_nested_100000_deep_is_refused_with_400_not_a_crash(body: bytes) -> None:
    assert refused(body, JSON).code == "too_deeply_nested"


@pytest.mark.parametrize(
    "text",
    [
        "[" * 1000,
        "{" * 1000 + "]]]",
        '"' + "[" * 1000,
        "\\",
        "\\" + "[" * 1000,
        "[" * 1000 + "\\",
        '\\"' + "{[" * 500,
    ],
)
def test_brackets_inside_json_strings_are_not_nesting(text: str) -> None:
    document = {"a": text, "b": [[]] * 100, text: "key"}
    assert accepted(json.dumps(document).encode(), JSON) == document


def test_wide_json_with_many_shallow_containers_is_accepted() -> None:
    body = (
        b'{"visits": ['
        + b", ".join(b'{"url": "/p/%d", "tags": []}' % i for i in range(5000))
        + b"]}"
    )
    visits = accepted(body, JSON)["visits"]
    assert isinstance(visits, list)
    assert len(visits) == 5000
