"""Text transforms: trimming, case, names, digits, replacing, adding and cutting text, defaults."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from server.mapping.errors import MappingError
from server.mapping.transforms.arguments import options, required, text_argument
from server.mapping.transforms.registry import Builder, register, register_simple
from server.mapping.transforms.values import (
    NO_ARGUMENT,
    Scalar,
    Transform,
    as_text,
    check_size,
    each,
    show,
    text_only,
)

register_simple(
    "trim",
    text_only(str.strip),
    "Removes spaces, tabs and line breaks at both ends.",
    "'  jane@example.com ' → 'jane@example.com'",
)
register_simple(
    "lower",
    text_only(str.lower),
    "Makes text lower case.",
    "'Jane@Example.COM' → 'jane@example.com'",
)
register_simple("upper", text_only(str.upper), "Makes text upper case.", "'fr' → 'FR'")


# str.title() starts a word after any character that is not a letter; undo that after a digit
# (3rd) and after an apostrophe that follows two letters (don't, McDonald's), not one (O'Neil).
_NOT_A_WORD_START = re.compile(r"(?<=\d)[^\W\d_]|(?<=[^\W\d_]{2}['’])[^\W\d_]")


def _proper_text(text: str) -> str:
    return _NOT_A_WORD_START.sub(lambda match: match.group().lower(), text.title())


register_simple(
    "proper",
    text_only(_proper_text),
    "Capitalises the first letter of each word and lowers the rest; keeps - and '.",
    '"JEAN-LUC o\'neil" → "Jean-Luc O\'Neil"',
)


def _first_name(value: Scalar) -> str:
    words = as_text(value).split(maxsplit=1)
    return words[0] if words else ""


def _last_name(value: Scalar) -> str:
    words = as_text(value).split(maxsplit=1)
    return " ".join(words[1].split()) if len(words) == 2 else ""


register_simple(
    "first_name",
    _first_name,
    "The first word of a full name.",
    "'Jane van der Berg' → 'Jane'",
)
register_simple(
    "last_name",
    _last_name,
    "Everything after the first word of a full name ('' for a single word).",
    "'Jane van der Berg' → 'van der Berg'",
)
register_simple(
    "string",
    as_text,
    "Turns a number or yes/no value into text: 3.0 → '3', true → 'true'.",
    "1234.0 → '1234'",
)
register_simple(
    "digits",
    lambda value: re.sub(r"[^0-9]", "", as_text(value)),
    "Keeps only the digits 0-9.",
    "'+1 (415) 555-0132' → '14155550132'",
)


@register(
    "replace",
    "Replaces every occurrence of one text with another.",
    "old (required), new (default '')",
    "{replace: {old: '-', new: ' '}}: 'a-b' → 'a b'",
    ("old", "new"),
)
def _build_replace(argument: Any) -> Transform:
    given = options("replace", argument, ("old", "new"))
    old = text_argument("replace", "the text to find ('old')", given.get("old"))
    new = text_argument("replace", "the replacement ('new')", given.get("new", ""))
    if not old:
        raise MappingError("'replace' needs the text to find, like {replace: {old: '-', new: ''}}")

    def convert(value: Scalar) -> str:
        text = as_text(value)
        if len(new) > len(old):
            check_size("replace", len(text), len(text) + text.count(old) * (len(new) - len(old)))
        return text.replace(old, new)

    return each("replace", convert)


def _affix(name: str, attach: Callable[[str, str], str]) -> Builder:
    def build(argument: Any) -> Transform:
        extra = text_argument(name, "the text to add", required(name, argument, f"{{{name}: '+'}}"))

        def convert(value: Scalar) -> str:
            text = as_text(value)
            return attach(text, extra) if text else text

        return each(name, convert)

    return build


register(
    "prefix",
    "Puts text in front of a value that is not empty.",
    "the text",
    "{prefix: '+'}: '14155550132' → '+14155550132'",
)(_affix("prefix", lambda text, extra: extra + text))
register(
    "suffix",
    "Puts text after a value that is not empty.",
    "the text",
    "{suffix: ' Inc.'}: 'Acme' → 'Acme Inc.'",
)(_affix("suffix", lambda text, extra: text + extra))


@register(
    "truncate",
    "Keeps at most this many characters.",
    "the length (a whole number, 1 or more)",
    "{truncate: 5}: 'Springfield' → 'Sprin'",
)
def _build_truncate(argument: Any) -> Transform:
    length = required("truncate", argument, "{truncate: 100}")
    if not isinstance(length, int) or isinstance(length, bool) or length < 1:
        raise MappingError(
            "'truncate' needs a whole number of characters, like {truncate: 100}; "
            f"got {show(length)}"
        )
    return each("truncate", lambda value: as_text(value)[:length])


@register(
    "default",
    "Replaces a missing value, empty text or an empty list.",
    "the value to use",
    "{default: 'n/a'}: '' → 'n/a'",
)
def _build_default(argument: Any) -> Transform:
    if argument is NO_ARGUMENT:
        raise MappingError("'default' needs the value to use, like {default: 'n/a'}")
    return lambda value: argument if value is None or value == "" or value == [] else value
