"""Warnings for a GET sample whose values look damaged because the sender did not URL-encode them.

Platforms that send contacts with GET build the URL from placeholders (``?email=[#EMAIL#]``).
A sender that substitutes the values without URL-encoding them still gets its request through,
but ``+`` then reads as a space and ``&`` cuts a value in two (docs: payload normalisation,
section 4). Nothing here can prove damage: each check looks for a shape that a properly
encoded query string does not produce, so a correct sample gets no warning.

The checks read the raw query string, not the normalised payload: the payload no longer shows
where a parameter began (leading spaces of names are dropped) or which spaces were ``+``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from server.mapping.formdecode import decode_utf8, percent_decode

ADVICE = (
    "In your platform, URL-encode the placeholder in the URL (or send the contact with POST "
    "instead of GET)."
)
# Past this many, the rest are counted: they are the same mistake repeated.
MAX_WARNINGS = 10
# Values quoted in a warning are cut here.
MAX_QUOTED = 80

# An email address with a space in its local part: "jane test@example.com".
_EMAIL_WITH_SPACE = re.compile(r"[^\s@]+(?: +[^\s@]+)+@[^\s@]+\.[^\s@]+")
# A phone number that lost its leading "+": " 1 415 555 0100".
_PHONE_WITHOUT_PLUS = re.compile(r" +\d[\d ().-]*")
# An ISO 8601 time whose "+" offset became a space: "2024-05-01T10:00:00 02:00".
_TIME_WITHOUT_PLUS = re.compile(
    r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)? \d{2}:?\d{2}"
)


@dataclass(slots=True)
class _Parameter:
    """One ``name=value`` segment of the query string, decoded, and what followed it."""

    raw_value: str
    name: str
    value: str
    has_value: bool
    previous: str | None  # the name of the parameter before this one
    cut_off: list[str] = field(default_factory=list)


def corrupted_get_warnings(query_string: str) -> list[str]:
    """Plain-words warnings, one per damaged-looking parameter, each saying what to do."""
    warnings = [
        warning
        for parameter in _parameters(query_string)
        if (warning := _warning(parameter)) is not None
    ]
    if len(warnings) <= MAX_WARNINGS:
        return warnings
    more = len(warnings) - MAX_WARNINGS
    return [*warnings[:MAX_WARNINGS], f"{more} more parameters look damaged in the same way."]


def _parameters(query_string: str) -> list[_Parameter]:
    """The segments as the normaliser splits them; a segment without ``=`` that follows a
    parameter is kept as a piece cut off that parameter's value."""
    parameters: list[_Parameter] = []
    for segment in query_string.split("&"):
        if not segment:
            continue
        raw_name, equals, raw_value = segment.partition("=")
        name = _decoded(raw_name)
        if not equals and parameters:
            parameters[-1].cut_off.append(name)
            continue
        previous = parameters[-1].name if parameters else None
        parameters.append(_Parameter(raw_value, name, _decoded(raw_value), bool(equals), previous))
    return parameters


def _decoded(raw: str, plus_is_space: bool = True) -> str:
    """A name or value as the form rules decode it (``+`` is a space, then ``%XX``)."""
    text = raw.replace("+", " ") if plus_is_space else raw
    return decode_utf8(percent_decode(text.encode("utf-8", "surrogatepass")))


def _warning(parameter: _Parameter) -> str | None:
    """What looks wrong with this parameter, the most telling sign first."""
    if parameter.cut_off:
        return _cut_at_ampersand(parameter)
    if parameter.name[:1].isspace():
        return _name_starting_with_a_space(parameter)
    if parameter.name[-1:].isspace():
        return _name_ending_with_a_space(parameter.name)
    if parameter.has_value and "+" in parameter.raw_value and _lost_a_plus(parameter.value):
        return _plus_read_as_space(parameter)
    return None


def _cut_at_ampersand(parameter: _Parameter) -> str:
    pieces = " and ".join(_quoted(piece) for piece in parameter.cut_off)
    several = len(parameter.cut_off) > 1
    return (
        f"The value of {_quoted(parameter.name)} looks cut at an “&”: {pieces} "
        f"arrived as {'parameters of their own' if several else 'a parameter of its own'}, "
        f"without a value, so {_quoted(parameter.name)} holds only {_quoted(parameter.value)}. "
        + ADVICE
    )


def _name_starting_with_a_space(parameter: _Parameter) -> str:
    cut_from = (
        f"the rest of the value of {_quoted(parameter.previous)}"
        if parameter.previous is not None
        else "the rest of a value"
    )
    return (
        f"The parameter name {_quoted(parameter.name)} starts with a space: it is probably "
        f"{cut_from}, cut off at an “&”. " + ADVICE
    )


def _name_ending_with_a_space(name: str) -> str:
    return (
        f"The parameter name {_quoted(name)} ends with a space, so a mapping that reads "
        f"{_quoted(name.rstrip())} will not find it. In your platform, remove the space "
        "before the “=” in the URL."
    )


def _lost_a_plus(value: str) -> bool:
    return any(
        pattern.fullmatch(value) is not None
        for pattern in (_EMAIL_WITH_SPACE, _PHONE_WITHOUT_PLUS, _TIME_WITHOUT_PLUS)
    )


def _plus_read_as_space(parameter: _Parameter) -> str:
    intended = _decoded(parameter.raw_value, plus_is_space=False)
    return (
        f"The value of {_quoted(parameter.name)} is {_quoted(parameter.value)}: it was probably "
        f"{_quoted(intended)}, with its “+” read as a space. " + ADVICE
    )


def _quoted(text: str) -> str:
    shown = text if len(text) <= MAX_QUOTED else text[: MAX_QUOTED - 1] + "…"
    return f"“{shown}”"
