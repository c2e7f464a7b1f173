"""Properties of the normaliser that must hold for every input, not just the examples."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import Any, TypeVar
from urllib.parse import parse_qsl, quote_plus

import msgspec
from hypothesis import given, settings
from hypothesis import strategies as st

from server.mapping.errors import PayloadError
from server.mapping.formdecode import decode_utf8, split_pairs
from server.mapping.payload import Limits, normalise, parse_form

CODES = {
    "body_too_large": 413,
    "too_many_fields": 413,
    "too_deeply_nested": 400,
    "invalid_json": 400,
    "json_not_an_object": 422,
    "unsupported_content_type": 415,
    "empty_request": 400,
    "invalid_multipart": 400,
    "unknown_charset": 415,
}
T = TypeVar("T")
SMALL = Limits(max_body_bytes=4096, max_pairs=40, max_depth=6)

# ---------------------------------------------------------------- strategies

media_types = st.sampled_from(
    [
        "application/x-www-form-urlencoded",
        "multipart/form-data",
        "application/json",
        "application/vnd.api+json",
        "text/plain",
        "",
    ]
)
charsets = st.sampled_from(
    [
        "",
        "; charset=utf-8",
        "; charset=iso-8859-1",
        "; charset=windows-1252",
        "; charset=utf-16",
        "; charset=shift_jis",
        "; charset=utf-7",
        "; charset=bogus",
        "; charset=rot13",
    ]
)
content_types = st.one_of(
    st.none(),
    st.builds(lambda media, charset: media + charset + "; boundary=b", media_types, charsets),
    st.text(max_size=80),
)
form_like = st.lists(
    st.text(alphabet='ab[]%+=&;. -0123456789AFé{}"', max_size=12), max_size=12
).map(lambda pieces: "&".join(pieces).encode())
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=4), children, max_size=4)
    ),
    max_leaves=20,
)
json_like = st.builds(
    lambda value, cut: json.dumps(value).encode()[:cut], json_values, st.integers(1, 400)
)
multipart_like = st.lists(
    st.tuples(
        st.sampled_from(
            [b'name="a[]"', b"name=x", b'filename="f"', b"", b'name="b"; filename="c"']
        ),
        st.binary(max_size=20),
    ),
    max_size=5,
).flatmap(
    lambda parts: st.integers(0, 200).map(
        lambda cut: (
            b"".join(
                b"--b\r\nContent-Disposition: form-data; " + head + b"\r\n\r\n" + content + b"\r\n"
                for head, content in parts
            )[: cut or None]
            + (b"--b--\r\n" if cut % 2 else b"")
        )
    )
)
bodies = st.one_of(st.binary(max_size=300), form_like, json_like, multipart_like)


@settings(max_examples=400, deadline=None)
@given(
    method=st.sampled_from(["POST", "GET", "PUT", "post"]),
    content_type=content_types,
    query=st.one_of(st.binary(max_size=100), form_like, st.text(max_size=40)),
    body=bodies,
)
def test_any_request_becomes_a_json_ready_payload_or_a_payload_error(
    method: str, content_type: str | None, query: bytes | str, body: bytes
) -> None:
    outcome = attempt(
        lambda: normalise(
            method=method, content_type=content_type, query_string=query, body=body, limits=SMALL
        )
    )
    if isinstance(outcome, PayloadError):
        assert CODES[outcome.code] == outcome.status
        assert outcome.detail.endswith(".")
    else:
        assert outcome.body_format in {"form", "multipart", "json", "none"}
        document = outcome.as_json()
        assert msgspec.json.decode(msgspec.json.encode(document)) == document


@settings(max_examples=300, deadline=None)
@given(st.one_of(form_like, st.binary(max_size=200)))
def test_form_values_are_always_strings_and_never_nest_past_the_limit(data: bytes) -> None:
    outcome = attempt(lambda: parse_form(data, limits=SMALL))
    if isinstance(outcome, PayloadError):
        assert outcome.code in {"too_deeply_nested", "too_many_fields"}
        return
    for depth, value in walk(outcome):
        assert depth <= SMALL.max_depth
        assert isinstance(value, str)


def attempt(call: Callable[[], T]) -> T | PayloadError:
    """The call's result, or the PayloadError it raised (any other exception propagates)."""
    try:
        return call()
    except PayloadError as error:
        return error


def walk(node: Any, depth: int = 0) -> Iterator[tuple[int, Any]]:
    children = node.values() if isinstance(node, dict) else node
    for child in children:
        if isinstance(child, dict | list):
            yield from walk(child, depth + 1)
        else:
            yield depth, child


# ---------------------------------------------------------------- pairs agree with the stdlib


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=80))
def test_ascii_pairs_decode_as_the_standard_library_decodes_them(query: str) -> None:
    # For ASCII input, rules 1-4 are what urllib does with `&` as the only separator.
    expected = parse_qsl(query, keep_blank_values=True, separator="&", errors="replace")
    assert split_pairs(query.encode(), decode_utf8, 10_000) == expected


# ---------------------------------------------------------------- http_build_query round trip

CANONICAL_INTEGER = re.compile(r"-?[1-9][0-9]*|0")
top_keys = st.text(min_size=1, max_size=8).filter(lambda key: "[" not in key and key[0] != " ")
nested_keys = st.text(min_size=1, max_size=8).filter(
    lambda key: "]" not in key and not CANONICAL_INTEGER.fullmatch(key)
)
leaves = st.text(max_size=12)
trees = st.recursive(
    leaves,
    lambda children: (
        st.lists(children, min_size=1, max_size=4)
        | st.dictionaries(nested_keys, children, min_size=1, max_size=4)
    ),
    max_leaves=12,
)
documents = st.dictionaries(top_keys, trees, max_size=6)


def http_build_query(data: dict[str, Any]) -> str:
    """What PHP's http_build_query sends for ``data`` (lists by index, brackets encoded)."""
    return "&".join(_encoded_pairs(data, ""))


def _encoded_pairs(node: dict[str, Any] | list[Any], prefix: str) -> Iterator[str]:
    items = node.items() if isinstance(node, dict) else enumerate(node)
    for key, value in items:
        name = quote_plus(str(key)) if not prefix else f"{prefix}%5B{quote_plus(str(key))}%5D"
        if isinstance(value, dict | list):
            yield from _encoded_pairs(value, name)
        else:
            yield f"{name}={quote_plus(value)}"


@settings(max_examples=300, deadline=None)
@given(documents)
def test_parse_form_reverses_php_http_build_query(document: dict[str, Any]) -> None:
    assert parse_form(http_build_query(document)) == document


@settings(max_examples=100, deadline=None)
@given(documents.filter(bool))
def test_the_same_data_as_a_form_or_as_json_normalises_to_the_same_body(
    document: dict[str, Any],
) -> None:
    as_form = normalise(
        method="POST", content_type=None, query_string=b"", body=http_build_query(document).encode()
    )
    as_json = normalise(
        method="POST",
        content_type="application/json",
        query_string=b"",
        body=json.dumps(document).encode(),
    )
    assert as_form.body == as_json.body
