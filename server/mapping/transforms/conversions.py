"""Conversions of text to numbers, yes/no values and phone numbers; blank text is missing."""

from __future__ import annotations

import math
import re
from decimal import Decimal
from typing import Any

import phonenumbers

from server.mapping.errors import MappingError
from server.mapping.transforms.arguments import no_argument, options
from server.mapping.transforms.registry import register
from server.mapping.transforms.values import (
    Scalar,
    Transform,
    TransformError,
    as_text,
    each_conversion,
    not_bool,
    show,
)

# --- numbers ----------------------------------------------------------------------------------

_NUMBER_SHAPES = {
    ".": re.compile(r"[+-]?(?=\.?\d)(?:\d{1,3}(?:,\d{3})+|\d*)(?:\.\d*)?(?:[eE][+-]?\d+)?"),
    ",": re.compile(r"[+-]?(?=,?\d)(?:\d{1,3}(?:\.\d{3})+|\d*)(?:,\d*)?(?:[eE][+-]?\d+)?"),
}
_NUMBER_SPACES = re.compile(r"[\s\u00a0\u202f\u2009]")


def _number_options(name: str, argument: Any) -> str:
    decimal = options(name, argument, ("decimal",)).get("decimal", ".")
    if decimal not in _NUMBER_SHAPES:
        raise MappingError(f"'{name}' option 'decimal' is '.' or ','; got {show(decimal)}")
    return str(decimal)


def _to_number(name: str, value: Scalar, decimal: str) -> int | float:
    not_bool(name, value, "a number")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return _from_float(name, value)
    return _from_decimal(name, value, _read_decimal(name, value, decimal))


def _read_decimal(name: str, text: str, decimal: str) -> Decimal:
    compact = _NUMBER_SPACES.sub("", text)
    if not _NUMBER_SHAPES[decimal].fullmatch(compact):
        other = "," if decimal == "." else "."
        raise TransformError(
            f"{name}: cannot read {show(text)} as a number (with '{decimal}' as the decimal "
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
        raise TransformError(f"{name}: {show(text)} is too large")
    if number == number.to_integral_value() and number.adjusted() < 30:
        return int(number)
    return float(number)


@register(
    "number",
    "Reads a number: a whole number stays whole (3.0 → 3), others are decimals.",
    "decimal: '.' (default, '1,234.5') or ',' ('1.234,5')",
    "'1,234.50' → 1234.5",
)
def _build_number(argument: Any) -> Transform:
    decimal = _number_options("number", argument)
    return each_conversion("number", lambda value: _to_number("number", value, decimal))


@register(
    "integer",
    "Reads a whole number; a number with decimals is an error.",
    "decimal: '.' (default) or ','",
    "'42' → 42",
)
def _build_integer(argument: Any) -> Transform:
    decimal = _number_options("integer", argument)

    def convert(value: Scalar) -> int:
        number = _to_number("integer", value, decimal)
        if isinstance(number, float):
            raise TransformError(f"integer: {show(value)} is not a whole number (use 'number')")
        return number

    return each_conversion("integer", convert)


# --- yes/no -----------------------------------------------------------------------------------

_TRUE = frozenset({"true", "yes", "y", "1", "on", "checked"})
_FALSE = frozenset({"false", "no", "n", "0", "off", "unchecked"})


def _to_boolean(value: Scalar) -> bool:
    if isinstance(value, bool):
        return value
    word = as_text(value).strip().lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise TransformError(
        f"boolean: cannot read {show(value)} as yes or no "
        "(true/false, yes/no, y/n, 1/0, on/off, checked/unchecked)"
    )


@register(
    "boolean",
    "Reads yes/no: true/false, yes/no, y/n, 1/0, on/off, checked/unchecked.",
    "none",
    "'Yes' → true",
)
def _build_boolean(argument: Any) -> Transform:
    no_argument("boolean", argument)
    return each_conversion("boolean", _to_boolean)


# --- phone numbers ----------------------------------------------------------------------------


@register(
    "phone",
    "Formats a phone number as E.164 (+14155550132); an invalid number is an error.",
    "region: the country assumed for numbers without +country code (default US)",
    "{phone: {region: US}}: '(415) 555-0132' → '+14155550132'",
    ("region",),
)
def _build_phone(argument: Any) -> Transform:
    region = options("phone", argument, ("region",)).get("region", "US")
    if not isinstance(region, str) or region.upper() not in phonenumbers.SUPPORTED_REGIONS:
        raise MappingError(
            "'phone' option 'region' is a two-letter country code like US or FR; "
            f"got {show(region)}"
        )
    return each_conversion("phone", lambda value: _to_phone(value, region.upper()))


def _to_phone(value: Scalar, region: str) -> str:
    not_bool("phone", value, "a phone number")
    text = as_text(value).strip()
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as err:
        raise TransformError(f"phone: {show(value)} is not a phone number") from err
    if not phonenumbers.is_valid_number(number):
        raise TransformError(f"phone: {show(value)} is not a valid phone number (region {region})")
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))
