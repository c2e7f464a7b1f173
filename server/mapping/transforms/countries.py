"""The ``country_code`` transform: country names in many languages, and codes, to ISO codes."""

from __future__ import annotations

import unicodedata
from functools import cache
from typing import Any

from server.mapping.transforms.arguments import no_argument
from server.mapping.transforms.registry import register
from server.mapping.transforms.values import (
    Scalar,
    Transform,
    TransformError,
    as_text,
    each_conversion,
    show,
)

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


@register(
    "country_code",
    "Turns a country name (in English or many other languages) or code into its ISO 3166 "
    "two-letter code.",
    "none",
    "'United States' → 'US', 'Allemagne' → 'DE'",
)
def _build_country_code(argument: Any) -> Transform:
    no_argument("country_code", argument)
    table = _country_table()

    def convert(value: Scalar) -> str:
        text = as_text(value)
        code = table.get(_name_key(text)) if len(text) <= 100 else None
        if code is None:
            raise TransformError(
                f"country_code: {show(value)} is not a country name or code we know"
            )
        return code

    return each_conversion("country_code", convert)
