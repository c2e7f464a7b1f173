"""Turning an inbound request into the payload an event stores: ``{"query": ..., "body": ...}``.

The rules are documented for users in ``docs/payload-normalisation.md``. Senders were
built for PHP listeners, so forms follow PHP's rules (see :mod:`server.mapping.formdecode`);
where PHP would drop data silently, this module refuses with a :class:`PayloadError` that
names the problem instead.
Nothing here touches the network or the web framework: the listener hands over raw bytes.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import msgspec

from server.mapping.errors import PayloadError
from server.mapping.formdecode import (
    Pair,
    assemble,
    decode_utf8,
    percent_decode,
    split_pairs,
    text_decoder,
    too_deeply_nested,
    too_many_fields,
)

FORM = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data"
JSON = "application/json"
MAX_DEPTH = 200


@dataclass(frozen=True, slots=True)
class Limits:
    """What one request may hold; every limit is refused loudly, never truncated."""

    max_body_bytes: int = 10 * 1024 * 1024
    max_pairs: int = 100_000
    max_depth: int = 64

    def __post_init__(self) -> None:
        # Deeper nesting than MAX_DEPTH would reach Python's recursion limit in the JSON
        # decoder and later in storage, so it is refused when the settings are read.
        if self.max_body_bytes < 0 or self.max_pairs < 1:
            raise ValueError("the body size limit must be >= 0 and the field limit >= 1")
        if not 1 <= self.max_depth <= MAX_DEPTH:
            raise ValueError(f"the nesting limit must be between 1 and {MAX_DEPTH}")


DEFAULT_LIMITS = Limits()


@dataclass(frozen=True, slots=True)
class Payload:
    """A normalised request: query string and body kept apart, so neither overrides the other."""

    query: dict[str, Any]
    body: dict[str, Any]
    body_format: str  # "form" | "multipart" | "json" | "none"
    sniffed_json: bool = False
    files: tuple[dict[str, Any], ...] = ()

    def as_json(self) -> dict[str, Any]:
        """The document mappings read: ``$.query...`` and ``$.body...``."""
        return {"query": self.query, "body": self.body}


def normalise(
    *,
    method: str,
    content_type: str | None,
    query_string: bytes | str,
    body: bytes,
    limits: Limits = DEFAULT_LIMITS,
    php_names: bool = False,
) -> Payload:
    """The payload of one request, or a :class:`PayloadError` saying why there is none."""
    if len(body) > limits.max_body_bytes:
        raise _body_too_large(limits.max_body_bytes)
    query = parse_form(query_string, limits=limits, php_names=php_names)
    if not body or body.isspace():
        if method.upper() == "POST" and not query:
            raise _empty_request()
        return Payload(query=query, body={}, body_format="none")
    media_type, params = parse_content_type(content_type)
    charset = params.get("charset")
    if media_type in ("", FORM):
        sniffed = _sniff_json_object(body, charset, limits.max_depth)
        if sniffed is not None:
            return Payload(query=query, body=sniffed, body_format="json", sniffed_json=True)
        form = parse_form(body, charset=charset or "utf-8", limits=limits, php_names=php_names)
        return Payload(query=query, body=form, body_format="form")
    if media_type == MULTIPART:
        fields, files = parse_multipart(body, params.get("boundary"), limits, php_names)
        return Payload(query=query, body=fields, body_format="multipart", files=files)
    if media_type == JSON or (media_type.endswith("+json") and "/" in media_type):
        return Payload(
            query=query,
            body=decode_json_object(body, charset, limits.max_depth),
            body_format="json",
        )
    raise _unsupported_content_type(media_type)


def parse_form(
    data: bytes | str,
    *,
    charset: str = "utf-8",
    limits: Limits = DEFAULT_LIMITS,
    php_names: bool = False,
) -> dict[str, Any]:
    """A form body or query string as the JSON object PHP's ``$_POST`` would encode to."""
    raw = data if isinstance(data, bytes) else data.encode("utf-8", "surrogatepass")
    pairs = split_pairs(raw, text_decoder(charset), limits.max_pairs)
    return assemble(pairs, limits.max_depth, php_names)


# ---------------------------------------------------------------- Content-Type

_PARAMETER = re.compile(r'\s*([^\s;=]*)\s*(?:=\s*("[^"\\]*(?:\\.[^"\\]*)*"|[^;]*))?\s*(?:;|$)')
_QUOTED_PAIR = re.compile(r"\\(.)", re.DOTALL)


def parse_content_type(header: str | None) -> tuple[str, dict[str, str]]:
    """``("type/subtype", {param: value})`` with the media type and parameter names lowercased.

    Also reads ``Content-Disposition``. Quoted values are unquoted; a malformed parameter
    is skipped rather than failing the whole header.
    """
    if not header:
        return "", {}
    media_type, _, rest = header.partition(";")
    params: dict[str, str] = {}
    position = 0
    while position < len(rest):
        match = _PARAMETER.match(rest, position)
        if match is None or match.end() == position:
            next_semicolon = rest.find(";", position)
            if next_semicolon < 0:
                break
            position = next_semicolon + 1
            continue
        position = match.end()
        name, value = match.group(1).lower(), match.group(2)
        if name and value is not None:
            params[name] = _unquoted(value)
    return media_type.strip().lower(), params


def _unquoted(value: str) -> str:
    if len(value) > 1 and value[0] == '"' and value[-1] == '"':
        return _QUOTED_PAIR.sub(r"\1", value[1:-1])
    return value.strip()


# ---------------------------------------------------------------- JSON

_UTF8_BOM = b"\xef\xbb\xbf"
_STARTS_LIKE_AN_OBJECT = re.compile(rb"[ \t\r\n]*\{")
_JSON_STRING_WITHOUT_ESCAPES = re.compile(rb'"[^"]*"')
_BRACKETS_ONLY = (bytes.maketrans(b"{}", b"[]"), bytes(set(range(256)) - set(b"[]{}")))
_JSON_KINDS = {
    list: "an array",
    str: "a string",
    int: "a number",
    float: "a number",
    bool: "true or false",
    type(None): "null",
}


def decode_json_object(body: bytes, charset: str | None, max_depth: int) -> dict[str, Any]:
    """A JSON body, which must be an object; values keep their JSON types, last duplicate wins.

    ``max_depth`` counts levels below the top object, as a form's bracket levels do, so the
    same data is accepted or refused alike whether it arrives as a form or as JSON.
    """
    decode = text_decoder(charset)
    data = body.removeprefix(_UTF8_BOM) if decode is decode_utf8 else decode(body).encode()
    try:
        value = msgspec.json.decode(data)
    except RecursionError:
        raise too_deeply_nested(max_depth) from None
    except (msgspec.DecodeError, UnicodeDecodeError) as error:
        raise _invalid_json(str(error)) from None
    if _json_nests_deeper_than(data, max_depth + 1):
        raise too_deeply_nested(max_depth)
    if type(value) is not dict:
        raise _json_not_an_object(_JSON_KINDS.get(type(value), "a value"))
    return value


def _json_nests_deeper_than(data: bytes, limit: int) -> bool:
    """Whether valid JSON ``data`` has containers nested more than ``limit`` deep.

    Works on the bytes in C-speed passes instead of walking the decoded value: strings are
    cut out, the brackets left are reduced to ``[``/``]``, and each pass removes the
    innermost pairs. Valid JSON is balanced, so it is empty after ``limit`` passes exactly
    when no pair stands higher than ``limit``.
    """
    if data.count(b"[") + data.count(b"{") <= limit:
        return False
    unescaped = data.replace(b"\\\\", b"").replace(b'\\"', b"")
    brackets = _JSON_STRING_WITHOUT_ESCAPES.sub(b"", unescaped).translate(*_BRACKETS_ONLY)
    for _ in range(limit):
        brackets = brackets.replace(b"[]", b"")
        if not brackets:
            return False
    return True


def _sniff_json_object(body: bytes, charset: str | None, max_depth: int) -> dict[str, Any] | None:
    """The JSON object a form-labelled body really holds, or None when it is a form.

    Some senders post JSON without saying so; a body that starts with ``{`` and decodes as
    an object is taken as JSON. A body too deep to accept is refused, not re-read as a form.
    """
    if not _STARTS_LIKE_AN_OBJECT.match(body):
        return None
    try:
        return decode_json_object(body, charset, max_depth)
    except PayloadError as error:
        if error.code == "too_deeply_nested":
            raise
        return None


# ---------------------------------------------------------------- multipart/form-data

_PADDING_AND_LINE_END = re.compile(rb"[ \t]*\r?\n")
_MAX_BOUNDARY = 200


def parse_multipart(
    body: bytes, boundary: str | None, limits: Limits, php_names: bool
) -> tuple[dict[str, Any], tuple[dict[str, Any], ...]]:
    """The fields of a multipart body under the form rules, and a record of each file part.

    A file's content is not kept: only its field name, file name, size and type.
    """
    pairs: list[Pair] = []
    files: list[dict[str, Any]] = []
    for number, part in enumerate(_multipart_parts(body, boundary, limits.max_pairs), 1):
        headers, content = _split_part(part, number)
        _, disposition = parse_content_type(headers.get("content-disposition"))
        name = _disposition_param(disposition, "name")
        if name is None:
            raise _invalid_multipart(f"Part {number} has no name in its Content-Disposition.")
        part_type, part_params = parse_content_type(headers.get("content-type"))
        filename = _disposition_param(disposition, "filename")
        if filename is None:
            pairs.append((name, text_decoder(part_params.get("charset"))(content)))
        else:
            files.append(
                {
                    "name": name,
                    "filename": filename,
                    "size": len(content),
                    "content_type": part_type or "application/octet-stream",
                }
            )
    return assemble(pairs, limits.max_depth, php_names), tuple(files)


def _multipart_parts(body: bytes, boundary: str | None, max_parts: int) -> list[bytes]:
    """The raw parts between the boundary lines, up to the closing boundary."""
    if not boundary or len(boundary) > _MAX_BOUNDARY:
        raise _invalid_multipart("The Content-Type header has no usable boundary parameter.")
    marker = b"--" + boundary.encode("utf-8", "surrogatepass")
    parts: list[bytes] = []
    content_start = -1
    for line_start, line_end, closing in _boundary_lines(body, marker):
        if content_start >= 0:
            parts.append(_without_final_line_break(body[content_start:line_start]))
            if len(parts) > max_parts:
                raise too_many_fields(max_parts)
        if closing:
            return parts
        content_start = line_end
    if content_start < 0:
        raise _invalid_multipart("The body does not contain its boundary line.")
    raise _invalid_multipart(
        "The body ends before its closing boundary line, so it may have been cut off."
    )


def _boundary_lines(body: bytes, marker: bytes) -> Iterator[tuple[int, int, bool]]:
    """``(start, end, is_closing)`` of each line that is the boundary, in order."""
    start = 0 if body.startswith(marker) else _after_newline(body.find(b"\n" + marker))
    while start >= 0:
        after = start + len(marker)
        if body.startswith(b"--", after):
            yield start, after + 2, True
            return
        line_end = _PADDING_AND_LINE_END.match(body, after)
        if line_end is not None:
            yield start, line_end.end(), False
        start = _after_newline(body.find(b"\n" + marker, after))


def _after_newline(found: int) -> int:
    return found if found < 0 else found + 1


def _without_final_line_break(content: bytes) -> bytes:
    """The line break before a boundary belongs to the boundary, not to the part."""
    content = content.removesuffix(b"\n")
    return content.removesuffix(b"\r")


def _split_part(part: bytes, number: int) -> tuple[dict[str, str], bytes]:
    """A part's headers (names lowercased) and its content."""
    headers: dict[str, str] = {}
    last = ""
    position = 0
    while True:
        line_end = part.find(b"\n", position)
        if line_end < 0:
            raise _invalid_multipart(f"Part {number} has no blank line after its headers.")
        line = part[position:line_end].removesuffix(b"\r")
        position = line_end + 1
        if not line:
            return headers, part[position:]
        text = line.decode("utf-8", "replace")
        if text[0] in " \t" and last:  # a folded header continues the previous one
            headers[last] += " " + text.strip()
            continue
        name, colon, value = text.partition(":")
        if not colon:
            raise _invalid_multipart(f"Part {number} has a header line without a colon.")
        last = name.strip().lower()
        headers[last] = value.strip()


def _disposition_param(params: dict[str, str], name: str) -> str | None:
    """A Content-Disposition parameter, preferring its RFC 5987 form (``filename*=utf-8''..``)."""
    extended = params.get(name + "*")
    if extended is not None and extended.count("'") >= 2:
        charset, _, rest = extended.partition("'")
        encoded = rest.partition("'")[2]
        return text_decoder(charset or "utf-8")(percent_decode(encoded.encode()))
    return params.get(name)


# ---------------------------------------------------------------- errors


def _body_too_large(limit: int) -> PayloadError:
    return PayloadError(
        413,
        "body_too_large",
        f"The body is larger than {limit} bytes. Send less data, or ask the operator to raise "
        "the body size limit.",
        limit,
    )


def _empty_request() -> PayloadError:
    return PayloadError(
        400,
        "empty_request",
        "The POST request has neither a body nor query parameters, so there is nothing to "
        "process. Check the sender's field settings.",
    )


def _invalid_json(reason: str) -> PayloadError:
    return PayloadError(
        400,
        "invalid_json",
        f"The body is labelled JSON but is not valid JSON ({reason[:120]}). Fix the sender's "
        "body, or send it as a form.",
    )


def _json_not_an_object(kind: str) -> PayloadError:
    return PayloadError(
        422,
        "json_not_an_object",
        f"The JSON body is {kind}, not an object. Send an object such as "
        '{"contact": {"email": "..."}}.',
    )


def _unsupported_content_type(media_type: str) -> PayloadError:
    return PayloadError(
        415,
        "unsupported_content_type",
        f"Bodies of type {media_type[:80]!r} are not accepted. Send "
        "application/x-www-form-urlencoded, multipart/form-data or application/json.",
    )


def _invalid_multipart(problem: str) -> PayloadError:
    return PayloadError(
        400,
        "invalid_multipart",
        f"The multipart body cannot be read. {problem} Check the sender's upload settings.",
    )
