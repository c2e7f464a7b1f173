"""Run-time guards for templates: size and time limits, and which calls a template may make.

A template's compiled code calls these (through the sandbox in
:mod:`server.mapping.template_sandbox`) before it builds a string or list, loops, or calls a
method, so that a template cannot use more memory or time than its limits allow. The limits of
the render under way are in a context variable; outside a render the defaults apply.
"""

from __future__ import annotations

import json
import math
import operator
import re
import string
import time
import types
from collections.abc import Callable, ItemsView, Iterable, Iterator, KeysView, Mapping, ValuesView
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from jinja2.exceptions import SecurityError
from jinja2.runtime import LoopContext, Undefined
from jinja2.sandbox import safe_range

from server.mapping.transforms import TransformError, compile_transform

# Integers a template computes stay below this many bits (about 4,900 decimal digits).
_MAX_BITS = 16_384


class TemplateError(TransformError):
    """A template cannot be rendered with this event: too slow, too large or refused."""


# --- limits while rendering -------------------------------------------------------------------


@dataclass(frozen=True)
class _Limits:
    deadline: float
    max_seconds: float
    max_output: int

    def check_time(self) -> None:
        if time.monotonic() > self.deadline:
            raise TemplateError(f"the template took longer than {self.max_seconds:g} s")

    def check_size(self, size: int, what: str) -> None:
        if size > self.max_output:
            raise TemplateError(
                f"{what} would be {size} characters or items long, over the template limit "
                f"of {self.max_output}"
            )


# Outside a render (Jinja folds constant expressions while compiling) the defaults apply.
_OUTSIDE_RENDER = _Limits(math.inf, math.inf, 65536)
_LIMITS: ContextVar[_Limits | None] = ContextVar("template_limits", default=None)


def limits() -> _Limits:
    """The limits of the render under way."""
    return _LIMITS.get() or _OUTSIDE_RENDER


def collect_within_limits(chunks: Iterator[str], max_seconds: float, max_output: int) -> str:
    """A render's output, joined; the limits are in force while ``chunks`` are produced."""
    render_limits = _Limits(time.monotonic() + max_seconds, max_seconds, max_output)
    token = _LIMITS.set(render_limits)
    try:
        return _collect(chunks, render_limits)
    finally:
        _LIMITS.reset(token)


def _collect(chunks: Iterator[str], render_limits: _Limits) -> str:
    parts: list[str] = []
    size = 0
    for chunk in chunks:
        size += len(chunk)
        render_limits.check_size(size, "the output")
        render_limits.check_time()
        parts.append(chunk)
    return "".join(parts)


def _weight(value: Any, budget: int) -> int:
    """Roughly how long ``value`` is when written out; stops counting once past ``budget``.

    Counts each reference, so a list holding the same big list many times weighs what its text
    would: that is what keeps nested references from multiplying memory.
    """
    total = 0
    pending = [value]
    while pending and total <= budget:
        item = pending.pop()
        if isinstance(item, str):
            total += len(item)
        elif isinstance(item, list | tuple):
            total += 1 + len(item)
            pending.extend(item)
        elif isinstance(item, dict):
            total += 1 + len(item)
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, int) and not isinstance(item, bool):
            total += 1 + item.bit_length() // 3
        else:
            total += 1
    return total


def check_weight(value: Any, what: str) -> None:
    """Refuse ``value`` (described as ``what``) if written out it would be over the limit."""
    current = limits()
    current.check_size(_weight(value, current.max_output), what)


# --- text for output --------------------------------------------------------------------------

_STRING = compile_transform("string")


def as_text(value: Any) -> str:
    """How a value reads in a template's output: the finalize step, and the ``~`` operator."""
    data = as_data(value)
    if isinstance(data, str):
        return data
    if data is None:
        return ""
    if isinstance(data, bool | int | float):
        return str(_STRING(data))
    if isinstance(data, Mapping | list | tuple):
        return to_json(data, None, "a list or object written out")
    return str(data)


def as_data(value: Any) -> Any:
    """A template value as payload data: Undefined is None; iterators and views are lists."""
    if isinstance(value, Undefined):
        return None
    if isinstance(value, LoopContext):  # an iterator too, but listing it would end the loop
        return value
    if isinstance(value, Iterator | range | KeysView | ValuesView | ItemsView):
        return list(value)
    return value


def to_json(data: Any, indent: int | None, what: str) -> str:
    """``data`` as JSON, once its size (described as ``what``) is checked."""
    check_weight(data, what)
    separators = (",", ":") if indent is None else (",", ": ")
    return json.dumps(
        data, ensure_ascii=False, indent=indent, separators=separators, default=as_text
    )


# --- guards the compiled code calls -----------------------------------------------------------


def guard_loop(iterable: Iterable[Any]) -> Iterator[Any]:
    current = limits()
    for item in iterable:
        current.check_time()
        yield item


def guard_concat(*parts: Any) -> str:
    current = limits()
    size = 0
    for part in parts:
        size += len(part) if isinstance(part, str) else _weight(part, current.max_output)
        current.check_size(size, "a text joined with ~")
    return "".join(as_text(part) for part in parts)


def guard_sized(value: Any) -> Any:
    check_weight(value, "a list or object")
    return value


BINOPS: dict[str, Callable[[Any, Any], Any]] = {
    "+": operator.add,
    "*": operator.mul,
    "**": operator.pow,
    "%": operator.mod,
}


def guard_binop(symbol: str, left: Any, right: Any) -> Any:
    """Apply one of :data:`BINOPS`, once its result is known to stay within the limits."""
    if (
        symbol == "+"
        and isinstance(left, str | list | tuple)
        and isinstance(right, str | list | tuple)
    ):
        check_weight([left, right], "the result of +")
    elif symbol == "*":
        _check_repeat(left, right)
        _check_repeat(right, left)
        if _both_ints(left, right) and left.bit_length() + right.bit_length() > _MAX_BITS:
            raise TemplateError(f"the number would have more than {_MAX_BITS} bits")
    elif symbol == "**" and _both_ints(left, right) and abs(left) > 1 and right > 0:
        if left.bit_length() * right > _MAX_BITS:
            raise TemplateError(f"the number would have more than {_MAX_BITS} bits")
    elif symbol == "%" and isinstance(left, str):
        check_percent_format(left, right)
    return BINOPS[symbol](left, right)


def _check_repeat(sequence: Any, times: Any) -> None:
    if isinstance(sequence, str | list | tuple) and isinstance(times, int):
        current = limits()
        current.check_size(
            _weight(sequence, current.max_output) * max(times, 0), "a repeated value"
        )


def _both_ints(left: Any, right: Any) -> bool:
    return isinstance(left, int) and isinstance(right, int)


# --- formats ----------------------------------------------------------------------------------

_PERCENT_FIELD = re.compile(r"%(?:\([^)]*\))?[#0\- +]*(\*|\d+)?(?:\.(\*|\d+))?")


def check_percent_format(text: str, values: Any) -> None:
    """Refuse ``text % values`` when its fields ask for too much padding or values are too big."""
    limit = limits().max_output
    for match in _PERCENT_FIELD.finditer(text):
        for number in match.groups():
            if number == "*" or (number and int(number) > limit):
                raise TemplateError(f"the format {match.group()!r} asks for too much padding")
    check_format_values(values)


def check_brace_format(text: str) -> None:
    """Refuse ``text.format(...)`` when its fields ask for too much padding."""
    limit = limits().max_output
    for _literal, _field, spec, _conversion in string.Formatter().parse(text):
        if spec and ("{" in spec or any(int(n) > limit for n in re.findall(r"\d+", spec))):
            raise TemplateError(f"the format {{:{spec}}} asks for too much padding")


def check_format_values(values: Any) -> None:
    check_weight(values, "the values put into a text")


# --- calls ------------------------------------------------------------------------------------

# Methods a template may call; everything else (str.join, int.to_bytes...) is refused.
# fmt: off
_STR_METHODS = frozenset({
    "capitalize", "casefold", "count", "endswith", "find", "index", "isalnum", "isalpha",
    "isascii", "isdecimal", "isdigit", "islower", "isnumeric", "isspace", "istitle", "isupper",
    "lower", "lstrip", "partition", "removeprefix", "removesuffix", "rfind", "rindex",
    "rpartition", "rsplit", "rstrip", "split", "splitlines", "startswith", "strip", "swapcase",
    "title", "upper",
})
# fmt: on
_PADDING_METHODS = frozenset({"center", "ljust", "rjust", "zfill"})
_DICT_METHODS = frozenset({"get", "items", "keys", "values"})
_SEQUENCE_METHODS = frozenset({"count", "index"})
_LOOP_METHODS = frozenset({"cycle", "changed"})


def check_call(function: Any, args: tuple[Any, ...]) -> None:
    """Refuse a call a template may not make, or one whose result would be over the limit."""
    if isinstance(function, Undefined):
        raise TemplateError("the template calls a function that does not exist (only range does)")
    if function is safe_range or getattr(function, "_checked_format", False):
        return
    owner = getattr(function, "__self__", None)
    name = getattr(function, "__name__", "")
    if not isinstance(function, types.BuiltinMethodType | types.MethodType):
        raise SecurityError(f"calling {name or type(function).__name__!r} is not allowed")
    if isinstance(owner, str) and name in _PADDING_METHODS:
        limits().check_size(args[0] if args and isinstance(args[0], int) else 0, "a padded text")
    elif isinstance(owner, str) and name == "replace" and len(args) >= 2:
        _check_replace(owner, args[0], args[1])
    elif not _method_allowed(owner, name):
        raise SecurityError(f"calling the method {name!r} is not allowed")


def _method_allowed(owner: Any, name: str) -> bool:
    if isinstance(owner, str):
        return name in _STR_METHODS
    if isinstance(owner, dict):
        return name in _DICT_METHODS
    if isinstance(owner, list | tuple):
        return name in _SEQUENCE_METHODS
    return isinstance(owner, LoopContext) and name in _LOOP_METHODS


def _check_replace(text: str, old: Any, new: Any) -> None:
    if isinstance(old, str) and isinstance(new, str) and len(new) > len(old):
        grown = len(text) + (text.count(old) if old else len(text) + 1) * (len(new) - len(old))
        limits().check_size(grown, "the replaced text")
