"""Lookups and hashing: ``map`` looks a value up in a table, ``sha256`` hashes it for ads."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from typing import Any

from server.mapping.errors import MappingError
from server.mapping.transforms.arguments import flag, options, required
from server.mapping.transforms.registry import register, register_simple
from server.mapping.transforms.values import Scalar, Transform, as_text, each, show

_MISSING = object()


@register(
    "map",
    "Looks a value up in a table; a value not in the table stays as it is, unless a default "
    "is given.",
    "values: the table (required); default: the result for other values; "
    "ignore_case: true or false (default false)",
    "{map: {values: {Warm: lead, Hot: opportunity}, default: other}}: 'Hot' → 'opportunity'",
)
def _build_map(argument: Any) -> Transform:
    example = "{map: {values: {Warm: lead, Hot: opportunity}, default: other}}"
    given = options("map", required("map", argument, example), ("values", "default", "ignore_case"))
    table = given.get("values")
    if not isinstance(table, dict) or not table:
        raise MappingError(f"'map' needs a table under 'values', like {example}")
    fold: Callable[[str], str] = (
        str.casefold if flag("map", "ignore_case", given.get("ignore_case", False)) else str
    )
    lookup = {fold(_map_key(key)): result for key, result in table.items()}
    fallback = given.get("default", _MISSING)

    def convert(value: Scalar) -> Any:
        found = lookup.get(fold(as_text(value)), _MISSING)
        if found is not _MISSING:
            return found
        return value if fallback is _MISSING else fallback

    return each("map", convert)


def _map_key(key: Any) -> str:
    if isinstance(key, str | int | float):
        return as_text(key)
    raise MappingError(f"'map' table keys are values like Warm or 1; got {show(key)}")


_SHA256_HEX = re.compile(r"[0-9a-f]{64}")


def _sha256(value: Scalar) -> str:
    text = as_text(value).strip().lower()
    if not text or _SHA256_HEX.fullmatch(text):
        return text
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


register_simple(
    "sha256",
    _sha256,
    "The SHA-256 hash (hex) of the trimmed, lower-cased value, as ad audiences want it; "
    "empty text and values already hashed stay as they are.",
    "' Test@Example.COM ' → '973dfe46…' (sha256 of 'test@example.com')",
)
