"""The ``date`` transform: reading dates and times in many forms, writing them in one."""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from dateutil import parser as dateparser

from server.mapping.errors import MappingError
from server.mapping.transforms.arguments import flag, options
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


@register(
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
    given = options("date", argument, ("from", "to", "tz", "output_tz", "dayfirst"))
    zone = _zone("tz", given.get("tz", "UTC"))
    output_zone = _zone("output_tz", given["output_tz"]) if "output_tz" in given else zone
    dayfirst = flag("date", "dayfirst", given.get("dayfirst", False))
    read = _date_reader(_date_format("from", given.get("from", "auto")), zone, dayfirst)
    write = _date_writer(_date_format("to", given.get("to", "iso")), output_zone)

    def convert(value: Scalar) -> Any:
        not_bool("date", value, "a date")
        moment = read(value)
        try:
            return write(moment)
        except (OverflowError, ValueError) as err:
            raise TransformError(f"date: {show(value)} is out of the range of dates") from err

    return each_conversion("date", convert)


# --- checking options -------------------------------------------------------------------------


def _zone(option: str, name: Any) -> tzinfo:
    if not isinstance(name, str) or not name:
        raise MappingError(
            f"'date' option '{option}' is a time zone like Europe/Paris; got {show(name)}"
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
            f"like '%Y-%m-%d %H:%M'; got {show(value)}"
        )
    if option == "from" and value not in words:
        try:
            datetime.strptime("", value)
        except ValueError as err:
            if "directive" in str(err) or "stray %" in str(err):
                raise MappingError(f"'date' option 'from' is not a valid format: {err}") from err
    return value


# --- reading ----------------------------------------------------------------------------------


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
        raise TransformError(f"date: {show(value)} is not a Unix time (a number)") from err


def _from_epoch(value: Scalar, seconds: float) -> datetime:
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError) as err:
        raise TransformError(f"date: {show(value)} is out of the range of dates") from err


def _guess_epoch(value: Scalar, number: float) -> datetime:
    return _from_epoch(value, number / 1000 if abs(number) >= _MILLISECONDS_FROM else number)


def _read_auto(value: Scalar, zone: tzinfo, dayfirst: bool) -> datetime:
    if not isinstance(value, str):
        return _guess_epoch(value, float(value))
    text = value.strip()
    if len(text) > _MAX_DATE_TEXT:
        raise TransformError(f"date: {show(value)} is too long to be a date")
    if _EPOCH_TEXT.fullmatch(text):
        return _guess_epoch(value, float(text))
    first, second = (_parse_text(text, dayfirst, fill_in) for fill_in in _FILL_INS)
    if first != second:
        raise TransformError(f"date: {show(value)} is not a full date (day, month and year)")
    return _in_zone(first, zone)


def _parse_text(text: str, dayfirst: bool, fill_in: datetime) -> datetime:
    try:
        return dateparser.parse(text, dayfirst=dayfirst, default=fill_in, tzinfos=_zone_in_text)
    except _UnknownZoneName as err:
        raise TransformError(
            f"date: {show(text)} names a time zone, {err}, that is ambiguous: "
            "write the offset (like -05:00) or leave it out and set the option tz"
        ) from err
    except (ValueError, OverflowError) as err:
        raise TransformError(f"date: cannot read {show(text)} as a date") from err


def _zone_in_text(name: str | None, offset: int | None) -> tzinfo | None:
    """The zone a date text states: an offset, or UTC by name; other names are ambiguous."""
    if offset is not None:
        return timezone(timedelta(seconds=offset))
    if name is None or name.upper() in ("UTC", "GMT", "UT", "Z"):
        return UTC if name else None
    raise _UnknownZoneName(repr(name))


def _read_format(value: Scalar, source: str, zone: tzinfo) -> datetime:
    try:
        moment = datetime.strptime(as_text(value).strip(), source)
    except ValueError as err:
        raise TransformError(f"date: {show(value)} does not match the format {source!r}") from err
    return _in_zone(moment, zone)


def _in_zone(moment: datetime, zone: tzinfo) -> datetime:
    """A time read without a zone or offset is in the option tz's zone."""
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


# --- writing ----------------------------------------------------------------------------------


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
