"""What an event holds, by Content-Type (spec section 1): form, multipart, JSON, or refused."""

from __future__ import annotations

from typing import Any

import pytest

from server.mapping.errors import PayloadError
from server.mapping.payload import Payload, normalise, parse_content_type


def post(body: bytes, content_type: str | None, query: bytes = b"") -> Payload:
    return normalise(method="POST", content_type=content_type, query_string=query, body=body)


def refusal(body: bytes, content_type: str | None, query: bytes = b"") -> tuple[int, str]:
    with pytest.raises(PayloadError) as refused:
        post(body, content_type, query)
    return refused.value.status, refused.value.code


# ---------------------------------------------------------------- query and body stay apart


def test_query_and_body_are_normalised_separately_and_never_merged() -> None:
    payload = post(
        b"email=from-body%40x.io&contact[id]=7",
        "application/x-www-form-urlencoded",
        query=b"email=from-url%40x.io&list=12",
    )
    assert payload.as_json() == {
        "query": {"email": "from-url@x.io", "list": "12"},
        "body": {"email": "from-body@x.io", "contact": {"id": "7"}},
    }


def test_a_get_with_only_a_query_string_has_an_empty_body() -> None:
    payload = normalise(
        method="GET",
        content_type=None,
        query_string="email=jane%40x.io&name=Jane+Doe",
        body=b"",
    )
    assert payload == Payload(
        query={"email": "jane@x.io", "name": "Jane Doe"}, body={}, body_format="none"
    )


def test_a_section_the_sender_left_out_is_simply_absent() -> None:
    payload = post(b"transactionid=t1&contact[email]=j%40x.io", None)
    assert payload.body == {"transactionid": "t1", "contact": {"email": "j@x.io"}}
    assert "fields" not in payload.body


# ---------------------------------------------------------------- which parser


@pytest.mark.parametrize(
    "content_type",
    [
        None,
        "",
        "application/x-www-form-urlencoded",
        "Application/X-WWW-Form-Urlencoded",
        "application/x-www-form-urlencoded; charset=UTF-8",
        "application/x-www-form-urlencoded;charset=utf-8;boundary=ignored",
    ],
)
def test_form_bodies_and_bodies_without_a_content_type_use_the_form_rules(
    content_type: str | None,
) -> None:
    payload = post(b"contact[email]=j%40x.io&n=01", content_type)
    assert (payload.body_format, payload.body) == (
        "form",
        {"contact": {"email": "j@x.io"}, "n": "01"},
    )


@pytest.mark.parametrize(
    "content_type",
    [
        "application/json",
        "application/json; charset=utf-8",
        "APPLICATION/JSON",
        "application/vnd.api+json",
        "application/merge-patch+json",
        "text/x-custom+json; charset=UTF-8",
    ],
)
def test_json_and_json_suffixed_types_are_decoded_as_json(content_type: str) -> None:
    payload = post(b'{"contact": {"email": "j@x.io"}}', content_type)
    assert (payload.body_format, payload.body) == ("json", {"contact": {"email": "j@x.io"}})
    assert payload.sniffed_json is False


@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "application/xml",
        "text/html; charset=utf-8",
        "application/octet-stream",
        "+json",
        "json",
    ],
)
def test_any_other_content_type_is_refused_with_415(content_type: str) -> None:
    assert refusal(b"a=1", content_type) == (415, "unsupported_content_type")


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, ("", {})),
        ("", ("", {})),
        ("Text/HTML", ("text/html", {})),
        ("text/plain; Charset=ISO-8859-1", ("text/plain", {"charset": "ISO-8859-1"})),
        ('multipart/form-data; boundary="a;b c"', ("multipart/form-data", {"boundary": "a;b c"})),
        ('form-data; name="say \\"hi\\""; x', ("form-data", {"name": 'say "hi"'})),
        ("a/b; junk here; c=d;;  e = f ", ("a/b", {"c": "d", "e": "f"})),
        ('a/b; c="unterminated', ("a/b", {"c": '"unterminated'})),
    ],
)
def test_content_type_headers_are_read_leniently(
    header: str | None, expected: tuple[str, dict[str, str]]
) -> None:
    assert parse_content_type(header) == expected


# ---------------------------------------------------------------- JSON


def test_json_values_keep_their_types() -> None:
    body = (
        b'{"n": 42, "f": 1.5, "t": true, "z": null, "zip": "01234", "l": [1, {"a": []}], "o": {}}'
    )
    assert post(body, "application/json").body == {
        "n": 42,
        "f": 1.5,
        "t": True,
        "z": None,
        "zip": "01234",
        "l": [1, {"a": []}],
        "o": {},
    }


def test_a_duplicate_json_key_keeps_its_last_value() -> None:
    assert post(b'{"a": 1, "b": 2, "a": 3}', "application/json").body == {"a": 3, "b": 2}


@pytest.mark.parametrize(
    "body",
    [b"[1, 2]", b'"text"', b"42", b"true", b"null", b"[]", b'[{"a": 1}]'],
)
def test_json_that_is_not_an_object_is_refused_with_422(body: bytes) -> None:
    assert refusal(body, "application/json") == (422, "json_not_an_object")


@pytest.mark.parametrize(
    "body",
    [
        b"{",
        b'{"a": 1,}',
        b"{'a': 1}",
        b'{"a": 1} trailing',
        b'{"a": NaN}',
        b'{"a": "\xff"}',
        b'{"a": "\\ud800"}',
        b'{"a": 1e999}',
        b"contact[email]=x",
    ],
)
def test_invalid_json_is_refused_with_400(body: bytes) -> None:
    assert refusal(body, "application/json") == (400, "invalid_json")


def test_a_json_body_in_a_declared_charset_is_decoded_with_it() -> None:
    body = '{"name": "Renée"}'.encode("iso-8859-1")
    assert post(body, "application/json; charset=iso-8859-1").body == {"name": "Renée"}


def test_a_json_body_may_start_with_a_utf8_byte_order_mark() -> None:
    assert post(b'\xef\xbb\xbf{"a": "\xc3\xa9"}', "application/json").body == {"a": "é"}


# ---------------------------------------------------------------- JSON sent as a form


@pytest.mark.parametrize("content_type", ["application/x-www-form-urlencoded", None])
@pytest.mark.parametrize(
    "body",
    [
        b'{"contact": {"email": "j@x.io"}, "n": 1}',
        b' \r\n\t{"contact": {"email": "j@x.io"}, "n": 1}',
    ],
)
def test_a_json_object_sent_as_a_form_is_taken_as_json_and_marked_sniffed(
    body: bytes, content_type: str | None
) -> None:
    payload = post(body, content_type)
    assert payload.body == {"contact": {"email": "j@x.io"}, "n": 1}
    assert (payload.body_format, payload.sniffed_json) == ("json", True)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b"{not json}=1", {"{not json}": "1"}),
        (b'{"a": 1', {'{"a": 1': ""}),
        (b"x={}", {"x": "{}"}),
        (b"[1,2]", {}),
    ],
)
def test_a_form_that_merely_starts_like_json_stays_a_form(
    body: bytes, expected: dict[str, Any]
) -> None:
    payload = post(body, "application/x-www-form-urlencoded")
    assert (payload.body_format, payload.sniffed_json, payload.body) == ("form", False, expected)


def test_json_sent_as_a_form_that_nests_too_deeply_is_refused_not_read_as_a_form() -> None:
    body = b'{"a": ' + b"[" * 100 + b"]" * 100 + b"}"
    assert refusal(body, "application/x-www-form-urlencoded") == (400, "too_deeply_nested")


# ---------------------------------------------------------------- empty requests


@pytest.mark.parametrize("body", [b"", b"   ", b"\r\n"])
@pytest.mark.parametrize("query", [b"", b"&&"])
def test_a_post_with_nothing_in_it_is_refused_with_400(body: bytes, query: bytes) -> None:
    assert refusal(body, "application/x-www-form-urlencoded", query) == (400, "empty_request")


@pytest.mark.parametrize(
    "content_type", [None, "application/json", "text/plain", "multipart/form-data"]
)
def test_a_post_with_an_empty_body_but_query_parameters_is_accepted(
    content_type: str | None,
) -> None:
    payload = post(b"", content_type, query=b"email=j%40x.io")
    assert payload == Payload(query={"email": "j@x.io"}, body={}, body_format="none")


@pytest.mark.parametrize("method", ["GET", "DELETE", "get"])
def test_other_methods_may_be_entirely_empty(method: str) -> None:
    payload = normalise(method=method, content_type=None, query_string=b"", body=b"")
    assert payload.as_json() == {"query": {}, "body": {}}


def test_a_lowercase_post_with_nothing_in_it_is_refused_too() -> None:
    with pytest.raises(PayloadError) as refused:
        normalise(method="post", content_type=None, query_string=b"", body=b"")
    assert refused.value.code == "empty_request"


# ---------------------------------------------------------------- multipart/form-data

BOUNDARY = "----sb7MA4YWxkTrZu0gW"


def multipart(*parts: bytes, boundary: str = BOUNDARY, newline: bytes = b"\r\n") -> bytes:
    marker = b"--" + boundary.encode()
    body = b"".join(marker + newline + part + newline for part in parts)
    return body + marker + b"--" + newline


def field(name: str, value: bytes, headers: bytes = b"") -> bytes:
    disposition = f'Content-Disposition: form-data; name="{name}"'.encode()
    return disposition + b"\r\n" + headers + b"\r\n" + value


MULTIPART = f"multipart/form-data; boundary={BOUNDARY}"


def test_multipart_fields_follow_the_form_rules_and_files_are_only_recorded() -> None:
    body = multipart(
        field("contact[email]", b"j@x.io"),
        field("fields[0][name]", b"Company"),
        field("fields[0][value]", b"Acme & Co.\r\n--not the boundary"),
        b'Content-Disposition: form-data; name="cv"; filename="cv.pdf"\r\n'
        b"Content-Type: application/pdf\r\n\r\n%PDF-1.7\r\n\x00\xff binary",
        field("note", b"50%25+off"),
    )
    payload = post(body, MULTIPART, query=b"src=form")
    assert payload.body_format == "multipart"
    assert payload.query == {"src": "form"}
    assert payload.body == {
        "contact": {"email": "j@x.io"},
        "fields": [{"name": "Company", "value": "Acme & Co.\r\n--not the boundary"}],
        "note": "50%25+off",
    }
    assert payload.files == (
        {"name": "cv", "filename": "cv.pdf", "size": 19, "content_type": "application/pdf"},
    )


def test_multipart_text_is_utf8_unless_the_part_declares_a_charset() -> None:
    body = multipart(
        field("city", "東京".encode()),
        field(
            "name",
            "Renée".encode("iso-8859-1"),
            b"Content-Type: text/plain; charset=iso-8859-1\r\n",
        ),
        field("bad", b"\xff"),
        field("Prénom", "Zoë".encode()),
    )
    assert post(body, MULTIPART).body == {
        "city": "東京",
        "name": "Renée",
        "bad": "\ufffd",
        "Prénom": "Zoë",
    }


def test_multipart_file_names_may_use_the_rfc_5987_form() -> None:
    body = multipart(
        b'Content-Disposition: form-data; name=doc; filename="a.txt"; '
        b"filename*=UTF-8''%E2%82%AC%20rates.txt\r\n\r\nhello",
        b'Content-Disposition: form-data; name="empty"; filename=""\r\n\r\n',
    )
    assert post(body, MULTIPART).files == (
        {
            "name": "doc",
            "filename": "€ rates.txt",
            "size": 5,
            "content_type": "application/octet-stream",
        },
        {"name": "empty", "filename": "", "size": 0, "content_type": "application/octet-stream"},
    )


def test_multipart_preamble_epilogue_and_bare_line_feeds_are_tolerated() -> None:
    body = b"preamble\r\n" + multipart(field("a", b"1"), newline=b"\n") + b"epilogue"
    assert post(body, MULTIPART).body == {"a": "1"}


def test_a_quoted_boundary_is_understood() -> None:
    body = multipart(field("a", b"1"), boundary="b c;d")
    assert post(body, 'multipart/form-data; boundary="b c;d"').body == {"a": "1"}


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("multipart/form-data", multipart(field("a", b"1"))),
        ("multipart/form-data; boundary=" + "x" * 201, b"--" + b"x" * 201),
        (MULTIPART, b"a=1&b=2"),
        (MULTIPART, multipart(field("a", b"1"))[:-10]),
        (MULTIPART, multipart(b"Content-Type: text/plain\r\n\r\nno name")),
        (MULTIPART, multipart(b"Content-Disposition: form-data; name=a")),
        (MULTIPART, multipart(b"Content-Disposition form-data\r\n\r\nx")),
    ],
    ids=[
        "no boundary",
        "boundary too long",
        "no boundary line",
        "cut off",
        "nameless part",
        "no blank line",
        "no colon",
    ],
)
def test_a_multipart_body_that_cannot_be_read_is_refused_with_400(
    content_type: str, body: bytes
) -> None:
    assert refusal(body, content_type) == (400, "invalid_multipart")
