"""Form decoding the way PHP's ``parse_str`` reads it, minus PHP's silent data loss.

Two steps, kept apart because multipart bodies only need the second:

1. :func:`split_pairs` turns ``application/x-www-form-urlencoded`` bytes into decoded
   ``(name, value)`` strings (spec section 2, rules 1-4);
2. :func:`assemble` files those pairs under their bracket keys (rules 5-8, 10) and returns
   the JSON shape PHP's ``json_encode`` would give.

Values stay strings (rule 9). Every refusal is a :class:`PayloadError`; nothing recurses
deeper than the nesting limit, so hostile names cannot exhaust the stack.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import Any

from server.mapping.errors import PayloadError

Pair = tuple[str, str]
Index = int | str | None  # None is `[]`: append
Path = tuple[Index, ...]
TextDecoder = Callable[[bytes], str]

_CACHED_NAME_LENGTH = 200
_INT64_MIN = -(2**63)
_INT64_MAX = 2**63 - 1
_AMPERSAND_RUNS = re.compile(rb"&{2,}")
_PHP_NAME = str.maketrans(" .[", "___")
_BRACKET_INDEX = re.compile(r"\[([^\]]*)\]")

# `%XX` with two hex digits in either case, and the byte each stands for. A regex finds them
# (rather than urllib's unquote) so that a body of lone `%` signs costs no Python-level work.
_PERCENT_ESCAPE = re.compile(rb"%[0-9A-Fa-f]{2}")
_HEX_DIGITS = "0123456789abcdefABCDEF"
_BYTE_OF_ESCAPE = {
    f"%{high}{low}".encode(): bytes([int(high + low, 16)])
    for high in _HEX_DIGITS
    for low in _HEX_DIGITS
}

# Percent-escapes that may be decoded on the whole body before it is split: they stand for
# neither separator (`&`, `=`) nor `%`, and a decoded `[` or `]` cannot start a new escape,
# so decoding them early gives exactly the bytes decoding them late would. They are most of
# the escapes in a PHP-style body (`contact%5Bemail%5D`), and `bytes.replace` runs in C.
_EARLY_ESCAPES = ((b"%5B", b"["), (b"%5b", b"["), (b"%5D", b"]"), (b"%5d", b"]"))


def too_many_fields(limit: int) -> PayloadError:
    return PayloadError(
        413,
        "too_many_fields",
        f"The body or query string has more than {limit} fields. Send fewer, or ask the operator "
        "to raise the field limit.",
        limit,
    )


def too_deeply_nested(limit: int) -> PayloadError:
    return PayloadError(
        400,
        "too_deeply_nested",
        f"A value is nested more than {limit} levels deep. Flatten the data the sender "
        "builds, or ask the operator to raise the nesting limit.",
        limit,
    )


def unknown_charset(charset: str) -> PayloadError:
    return PayloadError(
        415,
        "unknown_charset",
        f"The body declares charset {charset[:60]!r}, which cannot be decoded here. "
        "Send UTF-8, or a common charset such as ISO-8859-1 or windows-1252.",
    )


# ---------------------------------------------------------------- bytes -> text


def decode_utf8(raw: bytes) -> str:
    """UTF-8, each maximal ill-formed byte sequence becoming one U+FFFD (rule 4)."""
    return raw.decode("utf-8", "replace")


@lru_cache(maxsize=64)
def text_decoder(charset: str | None) -> TextDecoder:
    """How to turn bytes declared as ``charset`` into text (rule 4); UTF-8 when not declared.

    Any Python text codec is accepted. Its output is passed through UTF-8 once more so that
    exotic codecs cannot leak lone surrogates, which would break storing the event later.
    """
    if not charset:
        return decode_utf8
    try:
        info = codecs.lookup(charset)
    except (LookupError, ValueError):
        raise unknown_charset(charset) from None
    if info.name == "utf-8":
        return decode_utf8
    if not getattr(info, "_is_text_encoding", True):
        raise unknown_charset(charset)

    def decode(raw: bytes) -> str:
        try:
            text = info.decode(raw, "replace")[0]
        except (UnicodeError, ValueError, TypeError):
            raise unknown_charset(charset) from None
        return text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")

    decode(b"\x00\x7f\x80\xff&=")  # refuse codecs that cannot decode at all, up front
    return decode


# ---------------------------------------------------------------- rules 1-4: pairs


def split_pairs(data: bytes, decode: TextDecoder, max_pairs: int) -> list[Pair]:
    """Decoded ``(name, value)`` pairs of a form body or query string, in order.

    Splits on ``&`` only, skips empty segments, cuts each at its first ``=``, turns ``+``
    into a space and then decodes ``%XX`` once; a ``%`` without two hex digits stays.
    """
    data = data.replace(b"+", b" ")
    for escape, byte in _EARLY_ESCAPES:
        data = data.replace(escape, byte)
    pairs = []
    for segment in _segments(data, max_pairs):
        if segment:
            name, _, value = segment.partition(b"=")
            pairs.append((decode(percent_decode(name)), decode(percent_decode(value))))
    return pairs


def percent_decode(raw: bytes) -> bytes:
    """``raw`` with each ``%XX`` replaced by its byte, once; any other ``%`` stays as it is."""
    return _PERCENT_ESCAPE.sub(_escaped_byte, raw) if b"%" in raw else raw


def _escaped_byte(escape: re.Match[bytes]) -> bytes:
    return _BYTE_OF_ESCAPE[escape.group()]


def _segments(data: bytes, max_pairs: int) -> list[bytes]:
    """``data`` split on ``&``, refused when it holds more than ``max_pairs`` non-empty parts."""
    if data.count(b"&") < max_pairs:
        return data.split(b"&")  # at most max_pairs segments: within the limit
    collapsed = _AMPERSAND_RUNS.sub(b"&", data).strip(b"&")
    segments = collapsed.split(b"&") if collapsed else []
    if len(segments) > max_pairs:
        raise too_many_fields(max_pairs)
    return segments


# ---------------------------------------------------------------- rules 5, 6, 10: names


def split_name(name: str, max_depth: int, php_names: bool) -> tuple[str, Path] | None:
    """The top-level key and bracket path of a field name; None when the field is skipped.

    ``a[b][]`` -> ``("a", ("b", None))``. Follows PHP: an index runs to the next ``]``,
    text after a ``]`` that is not ``[`` is ignored, an unclosed first ``[`` makes the whole
    name a plain key, and a later unclosed ``[`` ends the path.
    """
    if len(name) > _CACHED_NAME_LENGTH:
        return _split_name(name, max_depth, php_names)
    split = _split_short_name(name, php_names)
    if split is not None and len(split[1]) > max_depth:
        raise too_deeply_nested(max_depth)
    return split


@lru_cache(maxsize=8192)
def _split_short_name(name: str, php_names: bool) -> tuple[str, Path] | None:
    """Platforms send the same field names on every request: parse each short one once.

    A name this short cannot hold enough brackets to be refused here; the caller checks
    the depth against its own limit.
    """
    return _split_name(name, _CACHED_NAME_LENGTH, php_names)


def _split_name(name: str, max_depth: int, php_names: bool) -> tuple[str, Path] | None:
    if name[:1] == " ":
        name = name.lstrip(" ")
    opened = name.find("[")
    if opened <= 0:
        if opened == 0 or not name:
            return None
        return (name.translate(_PHP_NAME) if php_names else name), ()
    brackets = _bracket_run(max_depth).match(name, opened)
    if brackets is None:
        return (name.translate(_PHP_NAME) if php_names else name), ()
    run = brackets.group()
    if run.count("]") > max_depth:
        raise too_deeply_nested(max_depth)
    base = name[:opened]
    path = tuple(_index(text) for text in _BRACKET_INDEX.findall(run))
    return (base.translate(_PHP_NAME) if php_names else base), path


@lru_cache(maxsize=16)
def _bracket_run(max_depth: int) -> re.Pattern[str]:
    """Consecutive ``[..]`` groups, each running to the next ``]``; one more than the limit
    at most, so that a name of a million brackets is refused without reading all of them."""
    return re.compile(rf"(?:\[[^\]]*\]){{1,{max_depth + 1}}}")


def _index(text: str) -> Index:
    """A bracket index: None for ``[]``, an int for a canonical 64-bit integer, else text."""
    digits = text[1:] if text[:1] == "-" else text
    if not digits.isdigit() or not digits.isascii():
        return text or None
    if (digits[0] == "0" and text != "0") or len(digits) > 19:
        return text
    number = int(text)
    return number if _INT64_MIN <= number <= _INT64_MAX else text


# ---------------------------------------------------------------- rules 7, 8: assembly


class _PhpArray(dict[int | str, Any]):
    """A PHP array while it is being built.

    Besides its items it remembers where ``[]`` appends (largest integer key + 1, or 0)
    and whether its keys are still exactly 0..n-1 in order, which makes it a JSON list.
    """

    __slots__ = ("is_list", "next_index")

    def __init__(self) -> None:
        super().__init__()
        self.is_list = True
        self.next_index: int | None = None

    def put(self, key: int | str | None, value: Any) -> None:
        if key is None:
            key = 0 if self.next_index is None else self.next_index
        if self.is_list and key != len(self) and key not in self:
            self.is_list = False
        self[key] = value
        if type(key) is int and (self.next_index is None or key >= self.next_index):
            self.next_index = key + 1

    def child(self, key: int | str | None) -> _PhpArray:
        """The array under ``key``, created (replacing any string there) when missing."""
        if key is not None:
            found = self.get(key)
            if type(found) is _PhpArray:
                return found
        array = _PhpArray()
        self.put(key, array)
        return array


def assemble(pairs: Iterable[Pair], max_depth: int, php_names: bool) -> dict[str, Any]:
    """The JSON object PHP would build from ``pairs``: later writes win at every level."""
    root: dict[str, Any] = {}
    for name, value in pairs:
        split = split_name(name, max_depth, php_names)
        if split is None:
            continue
        base, path = split
        if not path:
            root[base] = value
            continue
        node = root.get(base)
        if type(node) is not _PhpArray:
            node = root[base] = _PhpArray()
        for index in path[:-1]:
            node = node.child(index)
        node.put(path[-1], value)
    return {key: value if type(value) is str else _as_json(value) for key, value in root.items()}


def _as_json(array: _PhpArray) -> list[Any] | dict[str, Any]:
    """As ``json_encode`` would: a list when the keys are 0..n-1 in order, else an object.

    Recursion is bounded by the nesting limit, which :func:`split_name` enforced.
    """
    if array.is_list:
        return [value if type(value) is str else _as_json(value) for value in array.values()]
    return {
        str(key): value if type(value) is str else _as_json(value) for key, value in array.items()
    }
