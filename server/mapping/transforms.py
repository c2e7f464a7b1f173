"""Value transforms: the small, named steps a mapping rule runs on a value.

A rule's ``transform`` list (``[trim, lower]``, ``[{phone: {region: US}}, digits, sha256]``) is
compiled once, when the mapping is loaded: names and arguments are checked then, so a typo is a
load error with a line number rather than a failed delivery at three in the morning. What comes
out is a plain callable that the engine runs on every event.

Rules every transform follows (docs/transforms.md states them for users):

- None (a value missing from the payload) passes through unchanged; only ``default`` replaces it.
- A list (a JSONPath that matched several values) is transformed item by item, except by the
  list transforms (``first``, ``join``, ``split``) and ``default``.
- An object (a group of fields) is not a value: transforms refuse it.
- Conversions (``date``, ``number``, ``integer``, ``boolean``, ``phone``, ``country_code``) read
  blank text as missing: an empty form field is not an error.
- A value that cannot be transformed raises :class:`TransformError`, naming the transform, the
  value and the reason; no other exception escapes a compiled transform.
"""

from __future__ import annotations

import difflib
import hashlib
import math
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from decimal import Decimal
from enum import Enum
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import phonenumbers
from dateutil import parser as dateparser

from server.mapping.errors import MappingError
from server.mapping.spec import TransformStep

Transform = Callable[[Any], Any]
Scalar = str | int | float

# A transform never makes text longer than this unless its input already was (replace, join).
MAX_TEXT = 1_000_000


class TransformError(MappingError):
    """A value cannot be transformed at run time; the engine records it as the action's failure."""


@dataclass(frozen=True)
class TransformInfo:
    """What the UI's dropdown and the docs say about one transform."""

    name: str
    summary: str
    arguments: str
    example: str


class _Absent(Enum):
    """The argument of a step written as a bare name (``trim``), as opposed to ``{trim: null}``."""

    TOKEN = 0


_NO_ARGUMENT = _Absent.TOKEN
_Builder = Callable[[Any], Transform]


@dataclass(frozen=True)
class _Definition:
    info: TransformInfo
    build: _Builder
    # Option names that a template filter's positional arguments stand for, in order.
    positional: tuple[str, ...]


_DEFINITIONS: dict[str, _Definition] = {}


# --- public API -------------------------------------------------------------------------------


def compile_transform(step: TransformStep) -> Transform:
    """Check one step's name and argument now and return the callable that applies it."""
    name, argument = _split_step(step)
    definition = _DEFINITIONS.get(name)
    if definition is None:
        raise MappingError(_unknown_transform(name))
    return _only_transform_errors(name, definition.build(argument))


def compile_chain(steps: Sequence[TransformStep]) -> Transform:
    """Compile steps into one callable; errors, at load or run time, carry the step's index."""
    transforms: list[Transform] = []
    for index, step in enumerate(steps):
        try:
            transforms.append(compile_transform(step))
        except MappingError as err:
            raise err.at(index) from err
    return _chain(tuple(transforms))


def available_transforms() -> list[TransformInfo]:
    """Every transform, in the order the docs and the UI list them."""
    return [definition.info for definition in _DEFINITIONS.values()]


def filter_step(name: str, args: Sequence[Any], kwargs: Mapping[str, Any]) -> TransformStep:
    """The step that a template filter call stands for.

    ``x|prefix("+")`` is ``{prefix: "+"}``, ``x|date(to="%Y")`` is ``{date: {to: "%Y"}}`` and,
    for transforms with options that read naturally in order, ``x|replace("-", "")`` is
    ``{replace: {old: "-", new: ""}}``.
    """
    if not args and not kwargs:
        return name
    definition = _DEFINITIONS.get(name)
    positional = definition.positional if definition else ()
    if positional:
        if len(args) > len(positional):
            raise MappingError(f"'{name}' takes at most {len(positional)} values in brackets")
        return {name: {**dict(zip(positional, args, strict=False)), **kwargs}}
    if kwargs and args:
        raise MappingError(f"'{name}' takes either one value or named options, not both")
    if len(args) > 1:
        raise MappingError(f"'{name}' takes one value in brackets, not {len(args)}")
    return {name: dict(kwargs) if kwargs else args[0]}


# --- compiling steps --------------------------------------------------------------------------


def _split_step(step: Any) -> tuple[str, Any]:
    if isinstance(step, str):
        return step, _NO_ARGUMENT
    if isinstance(step, dict) and len(step) == 1:
        ((name, argument),) = step.items()
        if isinstance(name, str):
            return name, argument
    if isinstance(step, dict) and len(step) > 1:
        names = ", ".join(str(key) for key in step)
        raise MappingError(
            f"a transform step has one name, but this one has several ({names}): put options "
            "under the transform's name, like {date: {from: auto, tz: Europe/Paris}}"
        )
    raise MappingError(
        "a transform step is a name like 'trim', or a name with its argument like "
        f"{{prefix: '+'}}; got {_show(step)}"
    )


def _unknown_transform(name: str) -> str:
    close = difflib.get_close_matches(name.lower(), list(_DEFINITIONS), n=1)
    hint = f": did you mean '{close[0]}'?" if close else " (the docs list every transform)"
    return f"unknown transform '{name}'{hint}"


def _only_transform_errors(name: str, transform: Transform) -> Transform:
    """Turn a data error that slipped past a transform's own checks into a TransformError."""

    def run(value: Any) -> Any:
        try:
            return transform(value)
        except TransformError:
            raise
        except (ValueError, TypeError, ArithmeticError, LookupError, RecursionError) as err:
            raise TransformError(f"{name}: unexpected problem with {_show(value)}: {err}") from err

    return run


def _chain(transforms: tuple[Transform, ...]) -> Transform:
    def run(value: Any) -> Any:
        for index, transform in enumerate(transforms):
            try:
                value = transform(value)
            except TransformError as err:
                raise err.at(index) from err
        return value

    return run


def _transform(
    name: str, summary: str, arguments: str, example: str, positional: tuple[str, ...] = ()
) -> Callable[[_Builder], _Builder]:
    """Register a builder: it checks a step's argument and returns the transform."""

    def register(build: _Builder) -> _Builder:
        info = TransformInfo(name, summary, arguments, example)
        _DEFINITIONS[name] = _Definition(info, build, positional)
        return build

    return register


def _simple(name: str, convert: Callable[[Scalar], Any], summary: str, example: str) -> None:
    """Register a transform without arguments that converts each value on its own."""

    def build(argument: Any) -> Transform:
        _no_argument(name, argument)
        return _each(name, convert)

    _transform(name, summary, "none", example)(build)


# --- checking arguments -----------------------------------------------------------------------


def _show(value: Any) -> str:
    text = "nothing" if value is _NO_ARGUMENT else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _no_argument(name: str, argument: Any) -> None:
    if argument is not _NO_ARGUMENT and argument is not None:
        raise MappingError(f"'{name}' takes no argument: write just '{name}'")


def _required(name: str, argument: Any, example: str) -> Any:
    if argument is _NO_ARGUMENT or argument is None:
        raise MappingError(f"'{name}' needs an argument, like {example}")
    return argument


def _options(name: str, argument: Any, allowed: tuple[str, ...]) -> dict[str, Any]:
    if argument is _NO_ARGUMENT or argument is None:
        return {}
    if not isinstance(argument, dict):
        raise MappingError(
            f"'{name}' takes named options ({', '.join(allowed)}), like "
            f"{{{name}: {{{allowed[0]}: ...}}}}; got {_show(argument)}"
        )
    for key in argument:
        if key not in allowed:
            close = difflib.get_close_matches(str(key), allowed, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise MappingError(
                f"'{name}' has no option {key!r}{hint}; its options are {', '.join(allowed)}"
            )
    return argument


def _text_argument(name: str, what: str, value: Any) -> str:
    """An argument that is text; numbers count as text, since YAML reads ``10`` as a number."""
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _text(value)
    raise MappingError(f"'{name}' needs {what} as text; got {_show(value)}")


def _flag(name: str, option: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise MappingError(f"'{name}' option '{option}' is true or false; got {_show(value)}")
    return value


# --- applying to values -----------------------------------------------------------------------


def _each(name: str, convert: Callable[[Scalar], Any]) -> Transform:
    """Apply ``convert`` to a value, or to each item of a list; None stays None."""

    def one(value: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, str | int | float):
            return convert(value)
        if isinstance(value, dict):
            raise TransformError(
                f"{name}: {_show(value)} is a group of fields, not a value; "
                "point 'from' at one of its fields"
            )
        raise TransformError(f"{name}: cannot transform {_show(value)}")

    def run(value: Any) -> Any:
        if isinstance(value, list):
            return [_flat_item(name, one, item) for item in value]
        return one(value)

    return run


def _flat_item(name: str, one: Transform, item: Any) -> Any:
    if isinstance(item, list):
        raise TransformError(f"{name}: cannot transform a list inside a list ({_show(item)})")
    return one(item)


def _text(value: Scalar) -> str:
    """A value as text: numbers without a trailing ``.0``, yes/no values as true/false."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _text_only(convert: Callable[[str], str]) -> Callable[[Scalar], Scalar]:
    """Cosmetic text changes leave numbers and yes/no values as they are."""
    return lambda value: convert(value) if isinstance(value, str) else value


def _check_size(name: str, source_length: int, result_length: int) -> None:
    if result_length > max(source_length, MAX_TEXT):
        raise TransformError(
            f"{name}: the result would be {result_length} characters long, "
            f"over the limit of {MAX_TEXT}"
        )


# --- text -------------------------------------------------------------------------------------

_simple(
    "trim",
    _text_only(str.strip),
    "Removes spaces, tabs and line breaks at both ends.",
    "'  jane@example.com ' → 'jane@example.com'",
)
_simple(
    "lower",
    _text_only(str.lower),
    "Makes text lower case.",
    "'Jane@Example.COM' → 'jane@example.com'",
)
_simple("upper", _text_only(str.upper), "Makes text upper case.", "'fr' → 'FR'")


# str.title() starts a word after any character that is not a letter; undo that after a digit
# (3rd) and after an apostrophe that follows two letters (don't, McDonald's), not one (O'Neil).
_NOT_A_WORD_START = re.compile(r"(?<=\d)[^\W\d_]|(?<=[^\W\d_]{2}['’])[^\W\d_]")


def _proper_text(text: str) -> str:
    return _NOT_A_WORD_START.sub(lambda match: match.group().lower(), text.title())


_simple(
    "proper",
    _text_only(_proper_text),
    "Capitalises the first letter of each word and lowers the rest; keeps - and '.",
    '"JEAN-LUC o\'neil" → "Jean-Luc O\'Neil"',
)


def _first_name(value: Scalar) -> str:
    words = _text(value).split(maxsplit=1)
    return words[0] if words else ""


def _last_name(value: Scalar) -> str:
    words = _text(value).split(maxsplit=1)
    return " ".join(words[1].split()) if len(words) == 2 else ""


_simple(
    "first_name",
    _first_name,
    "The first word of a full name.",
    "'Jane van der Berg' → 'Jane'",
)
_simple(
    "last_name",
    _last_name,
    "Everything after the first word of a full name ('' for a single word).",
    "'Jane van der Berg' → 'van der Berg'",
)
_simple(
    "string",
    _text,
    "Turns a number or yes/no value into text: 3.0 → '3', true → 'true'.",
    "1234.0 → '1234'",
)
_simple(
    "digits",
    lambda value: re.sub(r"[^0-9]", "", _text(value)),
    "Keeps only the digits 0-9.",
    "'+1 (415) 555-0132' → '14155550132'",
)


@_transform(
    "replace",
    "Replaces every occurrence of one text with another.",
    "old (required), new (default '')",
    "{replace: {old: '-', new: ' '}}: 'a-b' → 'a b'",
    ("old", "new"),
)
def _build_replace(argument: Any) -> Transform:
    options = _options("replace", argument, ("old", "new"))
    old = _text_argument("replace", "the text to find ('old')", options.get("old"))
    new = _text_argument("replace", "the replacement ('new')", options.get("new", ""))
    if not old:
        raise MappingError("'replace' needs the text to find, like {replace: {old: '-', new: ''}}")

    def convert(value: Scalar) -> str:
        text = _text(value)
        if len(new) > len(old):
            _check_size("replace", len(text), len(text) + text.count(old) * (len(new) - len(old)))
        return text.replace(old, new)

    return _each("replace", convert)


def _affix(name: str, attach: Callable[[str, str], str]) -> _Builder:
    def build(argument: Any) -> Transform:
        extra = _text_argument(
            name, "the text to add", _required(name, argument, f"{{{name}: '+'}}")
        )

        def convert(value: Scalar) -> str:
            text = _text(value)
            return attach(text, extra) if text else text

        return _each(name, convert)

    return build


_transform(
    "prefix",
    "Puts text in front of a value that is not empty.",
    "the text",
    "{prefix: '+'}: '14155550132' → '+14155550132'",
)(_affix("prefix", lambda text, extra: extra + text))
_transform(
    "suffix",
    "Puts text after a value that is not empty.",
    "the text",
    "{suffix: ' Inc.'}: 'Acme' → 'Acme Inc.'",
)(_affix("suffix", lambda text, extra: text + extra))


@_transform(
    "truncate",
    "Keeps at most this many characters.",
    "the length (a whole number, 1 or more)",
    "{truncate: 5}: 'Springfield' → 'Sprin'",
)
def _build_truncate(argument: Any) -> Transform:
    length = _required("truncate", argument, "{truncate: 100}")
    if not isinstance(length, int) or isinstance(length, bool) or length < 1:
        raise MappingError(
            "'truncate' needs a whole number of characters, like {truncate: 100}; "
            f"got {_show(length)}"
        )
    return _each("truncate", lambda value: _text(value)[:length])


@_transform(
    "default",
    "Replaces a missing value, empty text or an empty list.",
    "the value to use",
    "{default: 'n/a'}: '' → 'n/a'",
)
def _build_default(argument: Any) -> Transform:
    if argument is _NO_ARGUMENT:
        raise MappingError("'default' needs the value to use, like {default: 'n/a'}")
    return lambda value: argument if value is None or value == "" or value == [] else value


# --- lists ------------------------------------------------------------------------------------


@_transform(
    "first",
    "The first item of a list (nothing if the list is empty); a single value stays.",
    "none",
    "['a@x.com', 'b@x.com'] → 'a@x.com'",
)
def _build_first(argument: Any) -> Transform:
    _no_argument("first", argument)
    return lambda value: (value[0] if value else None) if isinstance(value, list) else value


@_transform(
    "join",
    "Joins the items of a list into one text, skipping empty ones; a single value stays.",
    "the separator (default ',')",
    "{join: '; '}: ['a', 'b'] → 'a; b'",
)
def _build_join(argument: Any) -> Transform:
    separator = _separator("join", argument)

    def run(value: Any) -> Any:
        if not isinstance(value, list):
            return value
        parts = [_join_part(item) for item in value if item is not None and item != ""]
        length = sum(map(len, parts))
        _check_size("join", length, length + len(separator) * max(len(parts) - 1, 0))
        return separator.join(parts)

    return run


def _separator(name: str, argument: Any) -> str:
    if argument is _NO_ARGUMENT or argument is None:
        return ","
    return _text_argument(name, "the separator", argument)


def _join_part(item: Any) -> str:
    if isinstance(item, str | int | float):
        return _text(item)
    raise TransformError(f"join: can only join values, and {_show(item)} is not one")


@_transform(
    "split",
    "Splits text into a list at a separator, trimming items and dropping empty ones.",
    "the separator (default ',')",
    "'red, green,,blue' → ['red', 'green', 'blue']",
)
def _build_split(argument: Any) -> Transform:
    separator = _separator("split", argument)
    if not separator:
        raise MappingError("'split' needs a separator that is not empty, like {split: ';'}")

    def convert(value: Scalar) -> list[str]:
        return [part.strip() for part in _text(value).split(separator) if part.strip()]

    split_one = _each("split", convert)
    return lambda value: value if isinstance(value, list) else split_one(value)


# --- conversions ------------------------------------------------------------------------------


def _blank(value: Scalar) -> bool:
    return isinstance(value, str) and not value.strip()


def _not_bool(name: str, value: Scalar, noun: str) -> None:
    if isinstance(value, bool):
        raise TransformError(f"{name}: {_text(value)} is a yes/no value, not {noun}")


_NUMBER_SHAPES = {
    ".": re.compile(r"[+-]?(?=\.?\d)(?:\d{1,3}(?:,\d{3})+|\d*)(?:\.\d*)?(?:[eE][+-]?\d+)?"),
    ",": re.compile(r"[+-]?(?=,?\d)(?:\d{1,3}(?:\.\d{3})+|\d*)(?:,\d*)?(?:[eE][+-]?\d+)?"),
}
_NUMBER_SPACES = re.compile(r"[\s\u00a0\u202f\u2009]")


def _number_options(name: str, argument: Any) -> str:
    decimal = _options(name, argument, ("decimal",)).get("decimal", ".")
    if decimal not in _NUMBER_SHAPES:
        raise MappingError(f"'{name}' option 'decimal' is '.' or ','; got {_show(decimal)}")
    return str(decimal)


def _to_number(name: str, value: Scalar, decimal: str) -> int | float | None:
    _not_bool(name, value, "a number")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return _from_float(name, value)
    if _blank(value):
        return None
    return _from_decimal(name, value, _read_decimal(name, value, decimal))


def _read_decimal(name: str, text: str, decimal: str) -> Decimal:
    compact = _NUMBER_SPACES.sub("", text)
    if not _NUMBER_SHAPES[decimal].fullmatch(compact):
        other = "," if decimal == "." else "."
        raise TransformError(
            f"{name}: cannot read {_show(text)} as a number (with '{decimal}' as the decimal "
            f"point; set the option decimal: '{other}' for numbers written the other way)"
        )
    grouping = "," if decimal == "." else "."
    return Decimal(compact.replace(grouping, "").replace(",", "."))


def _from_float(name: str, number: float) -> int | float:
    if not math.isfinite(number):
        raise TransformError(f"{name}: {number} is not a number")
    return int(number) if number.is_integer() and abs(number) <= 2**53 else number


def _from_decimal(name: str, text: str, number: Decimal) -> int | float:
    if number.adjusted() > 308:
        raise TransformError(f"{name}: {_show(text)} is too large")
    if number == number.to_integral_value() and number.adjusted() < 30:
        return int(number)
    return float(number)


@_transform(
    "number",
    "Reads a number: a whole number stays whole (3.0 → 3), others are decimals.",
    "decimal: '.' (default, '1,234.5') or ',' ('1.234,5')",
    "'1,234.50' → 1234.5",
)
def _build_number(argument: Any) -> Transform:
    decimal = _number_options("number", argument)
    return _each("number", lambda value: _to_number("number", value, decimal))


@_transform(
    "integer",
    "Reads a whole number; a number with decimals is an error.",
    "decimal: '.' (default) or ','",
    "'42' → 42",
)
def _build_integer(argument: Any) -> Transform:
    decimal = _number_options("integer", argument)

    def convert(value: Scalar) -> int | None:
        number = _to_number("integer", value, decimal)
        if isinstance(number, float):
            raise TransformError(f"integer: {_show(value)} is not a whole number (use 'number')")
        return number

    return _each("integer", convert)


_TRUE = frozenset({"true", "yes", "y", "1", "on", "checked"})
_FALSE = frozenset({"false", "no", "n", "0", "off", "unchecked"})


def _to_boolean(value: Scalar) -> bool | None:
    if isinstance(value, bool):
        return value
    if _blank(value):
        return None
    word = _text(value).strip().lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise TransformError(
        f"boolean: cannot read {_show(value)} as yes or no "
        "(true/false, yes/no, y/n, 1/0, on/off, checked/unchecked)"
    )


_simple(
    "boolean",
    _to_boolean,
    "Reads yes/no: true/false, yes/no, y/n, 1/0, on/off, checked/unchecked.",
    "'Yes' → true",
)


@_transform(
    "phone",
    "Formats a phone number as E.164 (+14155550132); an invalid number is an error.",
    "region: the country assumed for numbers without +country code (default US)",
    "{phone: {region: US}}: '(415) 555-0132' → '+14155550132'",
    ("region",),
)
def _build_phone(argument: Any) -> Transform:
    region = _options("phone", argument, ("region",)).get("region", "US")
    if not isinstance(region, str) or region.upper() not in phonenumbers.SUPPORTED_REGIONS:
        raise MappingError(
            "'phone' option 'region' is a two-letter country code like US or FR; "
            f"got {_show(region)}"
        )
    return _each("phone", lambda value: _to_phone(value, region.upper()))


def _to_phone(value: Scalar, region: str) -> str | None:
    _not_bool("phone", value, "a phone number")
    text = _text(value).strip()
    if not text:
        return None
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as err:
        raise TransformError(f"phone: {_show(value)} is not a phone number") from err
    if not phonenumbers.is_valid_number(number):
        raise TransformError(f"phone: {_show(value)} is not a valid phone number (region {region})")
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


# --- dates ------------------------------------------------------------------------------------

_DATE_SOURCES = ("auto", "epoch", "epoch_ms")
_DATE_TARGETS = ("iso", "epoch", "epoch_ms")
# Digits only, nine or more: a Unix time, not a date like 20220526.
_EPOCH_TEXT = re.compile(r"-?\d{9,}(?:\.\d+)?")
# Above this a Unix time is in milliseconds: as seconds it would be past the year 5000.
_MILLISECONDS_FROM = 100_000_000_000
_MAX_DATE_TEXT = 100
# Two different fill-ins for parts a text leaves out: if the results differ, a part was missing.
_FILL_INS = (datetime(2000, 1, 1), datetime(2001, 2, 2))


class _UnknownZoneName(ValueError):
    pass


@_transform(
    "date",
    "Reads a date and time and writes it in another format or time zone.",
    "from: auto (default), epoch, epoch_ms or a format like '%m/%d/%Y %H:%M'; "
    "tz: the zone of times without an offset (default UTC); "
    "to: iso (default), epoch, epoch_ms or a format; "
    "output_tz: the zone to write in (default: tz); "
    "dayfirst: read 05/06 as 5 June (default false)",
    "{date: {tz: Europe/Paris, to: '%Y-%m-%d'}}: '11/30/1998 00:00' → '1998-11-30'",
    ("to",),
)
def _build_date(argument: Any) -> Transform:
    options = _options("date", argument, ("from", "to", "tz", "output_tz", "dayfirst"))
    zone = _zone("tz", options.get("tz", "UTC"))
    output_zone = _zone("output_tz", options["output_tz"]) if "output_tz" in options else zone
    dayfirst = _flag("date", "dayfirst", options.get("dayfirst", False))
    read = _date_reader(_date_format("from", options.get("from", "auto")), zone, dayfirst)
    write = _date_writer(_date_format("to", options.get("to", "iso")), output_zone)

    def convert(value: Scalar) -> Any:
        _not_bool("date", value, "a date")
        if _blank(value):
            return None
        moment = read(value)
        try:
            return write(moment)
        except (OverflowError, ValueError) as err:
            raise TransformError(f"date: {_show(value)} is out of the range of dates") from err

    return _each("date", convert)


def _zone(option: str, name: Any) -> tzinfo:
    if not isinstance(name, str) or not name:
        raise MappingError(
            f"'date' option '{option}' is a time zone like Europe/Paris; got {_show(name)}"
        )
    if name.upper() == "UTC":
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as err:
        close = difflib.get_close_matches(name, _zone_names(), n=1)
        hint = f" (did you mean {close[0]}?)" if close else ""
        raise MappingError(
            f"unknown time zone {name!r} in 'date' option '{option}'{hint}: use a name from "
            "the IANA list, like Europe/Paris or America/New_York"
        ) from err


@cache
def _zone_names() -> list[str]:
    return sorted(available_timezones())


def _date_format(option: str, value: Any) -> str:
    words = _DATE_SOURCES if option == "from" else _DATE_TARGETS
    if not isinstance(value, str) or not (value in words or "%" in value):
        raise MappingError(
            f"'date' option '{option}' is one of {', '.join(words)} or a format with % codes "
            f"like '%Y-%m-%d %H:%M'; got {_show(value)}"
        )
    if option == "from" and value not in words:
        try:
            datetime.strptime("", value)
        except ValueError as err:
            if "directive" in str(err) or "stray %" in str(err):
                raise MappingError(f"'date' option 'from' is not a valid format: {err}") from err
    return value


def _date_reader(source: str, zone: tzinfo, dayfirst: bool) -> Callable[[Scalar], datetime]:
    if source == "epoch":
        return lambda value: _from_epoch(value, _epoch_number(value))
    if source == "epoch_ms":
        return lambda value: _from_epoch(value, _epoch_number(value) / 1000)
    if source == "auto":
        return lambda value: _read_auto(value, zone, dayfirst)
    return lambda value: _read_format(value, source, zone)


def _epoch_number(value: Scalar) -> float:
    try:
        return float(value)
    except ValueError as err:
        raise TransformError(f"date: {_show(value)} is not a Unix time (a number)") from err


def _from_epoch(value: Scalar, seconds: float) -> datetime:
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError) as err:
        raise TransformError(f"date: {_show(value)} is out of the range of dates") from err


def _guess_epoch(value: Scalar, number: float) -> datetime:
    return _from_epoch(value, number / 1000 if abs(number) >= _MILLISECONDS_FROM else number)


def _read_auto(value: Scalar, zone: tzinfo, dayfirst: bool) -> datetime:
    if not isinstance(value, str):
        return _guess_epoch(value, float(value))
    text = value.strip()
    if len(text) > _MAX_DATE_TEXT:
        raise TransformError(f"date: {_show(value)} is too long to be a date")
    if _EPOCH_TEXT.fullmatch(text):
        return _guess_epoch(value, float(text))
    first, second = (_parse_text(text, dayfirst, fill_in) for fill_in in _FILL_INS)
    if first != second:
        raise TransformError(f"date: {_show(value)} is not a full date (day, month and year)")
    return first if first.tzinfo else first.replace(tzinfo=zone)


def _parse_text(text: str, dayfirst: bool, fill_in: datetime) -> datetime:
    try:
        return dateparser.parse(text, dayfirst=dayfirst, default=fill_in, tzinfos=_zone_in_text)
    except _UnknownZoneName as err:
        raise TransformError(
            f"date: {_show(text)} names a time zone, {err}, that is ambiguous: "
            "write the offset (like -05:00) or leave it out and set the option tz"
        ) from err
    except (ValueError, OverflowError) as err:
        raise TransformError(f"date: cannot read {_show(text)} as a date") from err


def _zone_in_text(name: str | None, offset: int | None) -> tzinfo | None:
    """The zone a date text states: an offset, or UTC by name; other names are ambiguous."""
    if offset is not None:
        return timezone(timedelta(seconds=offset))
    if name is None or name.upper() in ("UTC", "GMT", "UT", "Z"):
        return UTC if name else None
    raise _UnknownZoneName(repr(name))


def _read_format(value: Scalar, source: str, zone: tzinfo) -> datetime:
    try:
        moment = datetime.strptime(_text(value).strip(), source)
    except ValueError as err:
        raise TransformError(f"date: {_show(value)} does not match the format {source!r}") from err
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


def _date_writer(target: str, zone: tzinfo) -> Callable[[datetime], Any]:
    if target == "iso":
        return lambda moment: moment.astimezone(zone).isoformat()
    if target == "epoch":
        return lambda moment: _whole(moment.timestamp())
    if target == "epoch_ms":
        return lambda moment: round(moment.timestamp() * 1000)
    return lambda moment: moment.astimezone(zone).strftime(target)


def _whole(number: float) -> int | float:
    return int(number) if number.is_integer() else number


# --- countries --------------------------------------------------------------------------------

# Common names that phonenumbers' table of country names does not hold.
# fmt: off
_COUNTRY_ALIASES = {
    "usa": "US", "u s a": "US", "u s": "US", "america": "US", "united states of america": "US",
    "uk": "GB", "u k": "GB", "great britain": "GB", "britain": "GB", "england": "GB",
    "scotland": "GB", "wales": "GB", "northern ireland": "GB", "holland": "NL",
    "czechia": "CZ", "north macedonia": "MK", "eswatini": "SZ", "ivory coast": "CI",
    "uae": "AE", "russian federation": "RU", "viet nam": "VN", "turkiye": "TR",
    "republic of korea": "KR", "dr congo": "CD", "drc": "CD", "republic of the congo": "CG",
    "cabo verde": "CV", "burma": "MM", "vatican city": "VA", "holy see": "VA",
}
# fmt: on


def _name_key(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    kept = "".join(
        char if char.isalnum() else " " for char in decomposed if not unicodedata.combining(char)
    )
    words = kept.split()
    return " ".join(words[1:] if words[:1] == ["the"] else words)


@cache
def _country_table() -> dict[str, str]:
    """Country names (English first, then other languages) and codes, to ISO codes."""
    from phonenumbers.geodata.locale import LOCALE_DATA  # ~0.3 s: load only when used

    table = {code.lower(): code for code in LOCALE_DATA}
    table.update(_COUNTRY_ALIASES)
    english = {code: names.get("aa", "") for code, names in LOCALE_DATA.items()}
    for code, name in english.items():
        table.setdefault(_name_key(name), code)
    for code, names in LOCALE_DATA.items():
        for name in names.values():
            if not name.startswith("*"):
                table.setdefault(_name_key(name), code)
    table.pop("", None)
    return table


@_transform(
    "country_code",
    "Turns a country name (in English or many other languages) or code into its ISO 3166 "
    "two-letter code.",
    "none",
    "'United States' → 'US', 'Allemagne' → 'DE'",
)
def _build_country_code(argument: Any) -> Transform:
    _no_argument("country_code", argument)
    table = _country_table()

    def convert(value: Scalar) -> str | None:
        if _blank(value):
            return None
        text = _text(value)
        code = table.get(_name_key(text)) if len(text) <= 100 else None
        if code is None:
            raise TransformError(
                f"country_code: {_show(value)} is not a country name or code we know"
            )
        return code

    return _each("country_code", convert)


# --- lookups and hashing ----------------------------------------------------------------------

_MISSING = object()


@_transform(
    "map",
    "Looks a value up in a table; a value not in the table stays as it is, unless a default "
    "is given.",
    "values: the table (required); default: the result for other values; "
    "ignore_case: true or false (default false)",
    "{map: {values: {Warm: lead, Hot: opportunity}, default: other}}: 'Hot' → 'opportunity'",
)
def _build_map(argument: Any) -> Transform:
    example = "{map: {values: {Warm: lead, Hot: opportunity}, default: other}}"
    options = _options(
        "map", _required("map", argument, example), ("values", "default", "ignore_case")
    )
    table = options.get("values")
    if not isinstance(table, dict) or not table:
        raise MappingError(f"'map' needs a table under 'values', like {example}")
    fold: Callable[[str], str] = (
        str.casefold if _flag("map", "ignore_case", options.get("ignore_case", False)) else str
    )
    lookup = {fold(_map_key(key)): result for key, result in table.items()}
    fallback = options.get("default", _MISSING)

    def convert(value: Scalar) -> Any:
        found = lookup.get(fold(_text(value)), _MISSING)
        if found is not _MISSING:
            return found
        return value if fallback is _MISSING else fallback

    return _each("map", convert)


def _map_key(key: Any) -> str:
    if isinstance(key, str | int | float):
        return _text(key)
    raise MappingError(f"'map' table keys are values like Warm or 1; got {_show(key)}")


_SHA256_HEX = re.compile(r"[0-9a-f]{64}")


def _sha256(value: Scalar) -> str:
    text = _text(value).strip().lower()
    if not text or _SHA256_HEX.fullmatch(text):
        return text
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


_simple(
    "sha256",
    _sha256,
    "The SHA-256 hash (hex) of the trimmed, lower-cased value, as ad audiences want it; "
    "empty text and values already hashed stay as they are.",
    "' Test@Example.COM ' → '973dfe46…' (sha256 of 'test@example.com')",
)
