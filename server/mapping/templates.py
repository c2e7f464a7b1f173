"""Templates: sandboxed Jinja2 for values built from several parts of an event.

The mapping's author writes the template; payloads, which anyone can send, fill it in. So a
payload value is only ever data (a value containing ``{{ 7*7 }}`` renders as those characters),
and the template itself runs in Jinja2's immutable sandbox with more taken away:

- at compile time, whatever a mapping template never needs is refused with its line number:
  names that start with ``_`` (the way into Python's internals), ``include``/``import``/``extends``,
  macros, blocks, recursive loops and block ``set``/``filter`` (which capture output unbounded);
- memory: every string or list a template builds is checked against ``max_output`` *before* it
  is built (the operators ``* ** + % ~``, list literals, padding filters, ``str`` methods; only a
  short list of methods may be called at all), and the rendered output is capped;
- time: every loop and every call checks a deadline (``max_seconds``), without ``sys.settrace``.

Undefined names render as empty text (a missing payload field is normal), so do None values;
numbers and yes/no values render as the ``string`` transform writes them, lists and objects as
JSON. Every transform is also a filter (``{{ body.contact.email | trim | lower }}``), with the
same meaning as in a rule, except ``map``, which keeps its Jinja meaning.
"""

from __future__ import annotations

import difflib
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
from functools import lru_cache, wraps
from typing import Any, cast

from jinja2 import ChainableUndefined, Template, nodes
from jinja2.exceptions import SecurityError, TemplateSyntaxError
from jinja2.filters import FILTERS, do_center, do_format, do_indent, sync_do_sum
from jinja2.runtime import Context, LoopContext, Undefined
from jinja2.sandbox import ImmutableSandboxedEnvironment, safe_range
from jinja2.utils import pass_environment
from jinja2.visitor import NodeTransformer

from server.mapping.errors import MappingError
from server.mapping.transforms import (
    Transform,
    TransformError,
    available_transforms,
    compile_transform,
    filter_step,
)

MAX_SOURCE = 2000
# Integers a template computes stay below this many bits (about 4,900 decimal digits).
_MAX_BITS = 16_384


class TemplateError(TransformError):
    """A template cannot be rendered with this event: too slow, too large or refused."""


class CompiledTemplate:
    """A template checked and compiled once, rendered for each event."""

    __slots__ = ("_template", "max_output", "max_seconds", "source")

    def __init__(
        self, template: Template, source: str, max_output: int, max_seconds: float
    ) -> None:
        self._template = template
        self.source = source
        self.max_output = max_output
        self.max_seconds = max_seconds

    def render(self, context: Mapping[str, Any]) -> str:
        """Render with the event's variables (``query``, ``body``, ``field``, ``keys``).

        Raises TemplateError (or the TransformError of a filter) when it cannot.
        """
        limits = _Limits(time.monotonic() + self.max_seconds, self.max_seconds, self.max_output)
        token = _LIMITS.set(limits)
        try:
            return _collect(self._template.generate(dict(context)), limits)
        except TransformError:
            raise
        except MappingError as err:
            raise TemplateError(err.message) from err
        except SecurityError as err:
            raise TemplateError(f"the template did something templates may not do: {err}") from err
        except RecursionError as err:
            raise TemplateError("the template nests too deeply") from err
        except Exception as err:
            # A template is code its author wrote: whatever goes wrong inside it is its failure.
            raise TemplateError(f"the template failed: {err}") from err
        finally:
            _LIMITS.reset(token)


def compile_template(
    source: str, *, max_output: int = 65536, max_seconds: float = 0.5
) -> CompiledTemplate:
    """Check and compile a template; MappingError says what is wrong and on which line."""
    if len(source) > MAX_SOURCE:
        raise MappingError(
            f"a template may be at most {MAX_SOURCE} characters long; this one has {len(source)}"
        )
    if max_output < 1 or not max_seconds > 0:
        raise ValueError("max_output and max_seconds must be positive")
    tree = _parse(source)
    _refuse_unsafe(tree)
    _Guards().visit(tree)
    try:
        code = _ENVIRONMENT.compile(tree)
    except TemplateSyntaxError as err:
        raise MappingError(_syntax_message(err, source)) from err
    template = _ENVIRONMENT.template_class.from_code(
        _ENVIRONMENT, code, _ENVIRONMENT.make_globals(None), None
    )
    return CompiledTemplate(template, source, max_output, max_seconds)


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


def _limits() -> _Limits:
    return _LIMITS.get() or _OUTSIDE_RENDER


def _collect(chunks: Iterator[str], limits: _Limits) -> str:
    parts: list[str] = []
    size = 0
    for chunk in chunks:
        size += len(chunk)
        limits.check_size(size, "the output")
        limits.check_time()
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


def _check_weight(value: Any, what: str) -> None:
    limits = _limits()
    limits.check_size(_weight(value, limits.max_output), what)


# --- text for output --------------------------------------------------------------------------

_STRING = compile_transform("string")


def _as_text(value: Any) -> str:
    """How a value reads in a template's output: the finalize step, and the ``~`` operator."""
    data = _as_data(value)
    if isinstance(data, str):
        return data
    if data is None:
        return ""
    if isinstance(data, bool | int | float):
        return str(_STRING(data))
    if isinstance(data, Mapping | list | tuple):
        return _json(data, None, "a list or object written out")
    return str(data)


def _as_data(value: Any) -> Any:
    """A template value as payload data: Undefined is None; iterators and views are lists."""
    if isinstance(value, Undefined):
        return None
    if isinstance(value, LoopContext):  # an iterator too, but listing it would end the loop
        return value
    if isinstance(value, Iterator | range | KeysView | ValuesView | ItemsView):
        return list(value)
    return value


def _json(data: Any, indent: int | None, what: str) -> str:
    _check_weight(data, what)
    separators = (",", ":") if indent is None else (",", ": ")
    return json.dumps(
        data, ensure_ascii=False, indent=indent, separators=separators, default=_as_text
    )


# --- compile-time checks ----------------------------------------------------------------------

_REFUSED_STATEMENTS: dict[type[nodes.Node], str] = {
    nodes.Extends: "{% extends %}",
    nodes.Include: "{% include %}",
    nodes.Import: "{% import %}",
    nodes.FromImport: "{% from ... import %}",
    nodes.Macro: "{% macro %}",
    nodes.CallBlock: "{% call %}",
    nodes.Block: "{% block %}",
    nodes.AssignBlock: "{% set %}...{% endset %} (use {% set name = ... %})",
    nodes.FilterBlock: "{% filter %} blocks (apply the filter to a value)",
}


def _parse(source: str) -> nodes.Template:
    try:
        return _ENVIRONMENT.parse(source)
    except TemplateSyntaxError as err:
        raise MappingError(_syntax_message(err, source)) from err


def _syntax_message(err: TemplateSyntaxError, source: str) -> str:
    lines = source.splitlines()
    near = lines[err.lineno - 1].strip() if 0 < err.lineno <= len(lines) else ""
    where = f" in: {near[:80]}" if near else ""
    return f"template error on line {err.lineno}: {err.message}{where}"


def _refuse_unsafe(tree: nodes.Template) -> None:
    for node in tree.find_all(nodes.Node):
        problem = _problem(node)
        if problem:
            raise MappingError(f"template error on line {node.lineno}: {problem}")


def _problem(node: nodes.Node) -> str | None:
    """Why a node may not be in a mapping template, or None when it may."""
    refused = _REFUSED_STATEMENTS.get(type(node))
    if refused:
        return f"{refused} is not available in mapping templates"
    if isinstance(node, nodes.For) and node.recursive:
        return "recursive loops are not available in mapping templates"
    private = _private_name(node)
    if private:
        return f"'{private}' starts with '_': such names are private and not available"
    if isinstance(node, nodes.Filter):
        return _filter_problem(node)
    if isinstance(node, nodes.Test) and node.name not in _ENVIRONMENT.tests:
        return _unknown("test", node.name, _ENVIRONMENT.tests)
    return None


def _private_name(node: nodes.Node) -> str | None:
    if isinstance(node, nodes.Getattr):
        name: Any = node.attr
    elif isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const):
        name = node.arg.value
    elif isinstance(node, nodes.Name | nodes.Filter | nodes.Test):
        name = node.name
    else:
        return None
    return name if isinstance(name, str) and name.startswith("_") else None


def _filter_problem(node: nodes.Filter) -> str | None:
    if node.name not in _ENVIRONMENT.filters:
        return _unknown("filter", node.name, _ENVIRONMENT.filters)
    if node.name not in _TRANSFORM_FILTERS or node.dyn_args or node.dyn_kwargs:
        return None
    keywords = cast(list[nodes.Keyword], node.kwargs)
    values = [*node.args, *(keyword.value for keyword in keywords)]
    if not all(isinstance(value, nodes.Const) for value in values):
        return None  # checked when rendered
    args = [cast(nodes.Const, arg).value for arg in node.args]
    kwargs = {keyword.key: cast(nodes.Const, keyword.value).value for keyword in keywords}
    try:
        compile_transform(filter_step(node.name, args, kwargs))
    except MappingError as err:
        return err.message
    return None


def _unknown(kind: str, name: str, known: Mapping[str, Any]) -> str:
    close = difflib.get_close_matches(name, [key for key in known if not key.startswith("_")], n=1)
    hint = f": did you mean '{close[0]}'?" if close else ""
    return f"unknown {kind} '{name}'{hint}"


class _Guards(NodeTransformer):
    """Route loops, ``~`` and literals through the size and time checks below."""

    def visit_For(self, node: nodes.For) -> nodes.Node:
        self.generic_visit(node)
        node.iter = _call_filter("_loop", node.iter)
        return node

    def visit_Concat(self, node: nodes.Concat) -> nodes.Node:
        self.generic_visit(node)
        return _call_filter("_concat", node.nodes[0], node.nodes[1:])

    def visit_List(self, node: nodes.List) -> nodes.Node:
        self.generic_visit(node)
        return _call_filter("_sized", node)

    def visit_Dict(self, node: nodes.Dict) -> nodes.Node:
        self.generic_visit(node)
        return _call_filter("_sized", node)

    def visit_Tuple(self, node: nodes.Tuple) -> nodes.Node:
        self.generic_visit(node)
        return _call_filter("_sized", node) if node.ctx == "load" else node


def _call_filter(name: str, node: nodes.Node, args: list[nodes.Expr] | None = None) -> nodes.Expr:
    return nodes.Filter(node, name, args or [], [], None, None, lineno=node.lineno)


# --- guards used by the compiled code ---------------------------------------------------------


def _guard_loop(iterable: Iterable[Any]) -> Iterator[Any]:
    limits = _limits()
    for item in iterable:
        limits.check_time()
        yield item


def _guard_concat(*parts: Any) -> str:
    limits = _limits()
    size = 0
    for part in parts:
        size += len(part) if isinstance(part, str) else _weight(part, limits.max_output)
        limits.check_size(size, "a text joined with ~")
    return "".join(_as_text(part) for part in parts)


def _guard_sized(value: Any) -> Any:
    _check_weight(value, "a list or object")
    return value


def _guard_binop(symbol: str, left: Any, right: Any) -> Any:
    if (
        symbol == "+"
        and isinstance(left, str | list | tuple)
        and isinstance(right, str | list | tuple)
    ):
        _check_weight([left, right], "the result of +")
    elif symbol == "*":
        _check_repeat(left, right)
        _check_repeat(right, left)
        if _both_ints(left, right) and left.bit_length() + right.bit_length() > _MAX_BITS:
            raise TemplateError(f"the number would have more than {_MAX_BITS} bits")
    elif symbol == "**" and _both_ints(left, right) and abs(left) > 1 and right > 0:
        if left.bit_length() * right > _MAX_BITS:
            raise TemplateError(f"the number would have more than {_MAX_BITS} bits")
    elif symbol == "%" and isinstance(left, str):
        _check_percent_format(left)
        _check_weight(right, "the values put into a text")
    return _BINOPS[symbol](left, right)


_BINOPS: dict[str, Callable[[Any, Any], Any]] = {
    "+": operator.add,
    "*": operator.mul,
    "**": operator.pow,
    "%": operator.mod,
}


def _check_repeat(sequence: Any, times: Any) -> None:
    if isinstance(sequence, str | list | tuple) and isinstance(times, int):
        limits = _limits()
        limits.check_size(_weight(sequence, limits.max_output) * max(times, 0), "a repeated value")


def _both_ints(left: Any, right: Any) -> bool:
    return isinstance(left, int) and isinstance(right, int)


_PERCENT_FIELD = re.compile(r"%(?:\([^)]*\))?[#0\- +]*(\*|\d+)?(?:\.(\*|\d+))?")


def _check_percent_format(text: str) -> None:
    limit = _limits().max_output
    for match in _PERCENT_FIELD.finditer(text):
        for number in match.groups():
            if number == "*" or (number and int(number) > limit):
                raise TemplateError(f"the format {match.group()!r} asks for too much padding")


def _check_brace_format(text: str) -> None:
    limit = _limits().max_output
    for _literal, _field, spec, _conversion in string.Formatter().parse(text):
        if spec and ("{" in spec or any(int(n) > limit for n in re.findall(r"\d+", spec))):
            raise TemplateError(f"the format {{:{spec}}} asks for too much padding")


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


def _check_call(function: Any, args: tuple[Any, ...]) -> None:
    if isinstance(function, Undefined):
        raise TemplateError("the template calls a function that does not exist (only range does)")
    if function is safe_range or getattr(function, "_checked_format", False):
        return
    owner = getattr(function, "__self__", None)
    name = getattr(function, "__name__", "")
    if not isinstance(function, types.BuiltinMethodType | types.MethodType):
        raise SecurityError(f"calling {name or type(function).__name__!r} is not allowed")
    if isinstance(owner, str) and name in _PADDING_METHODS:
        _limits().check_size(args[0] if args and isinstance(args[0], int) else 0, "a padded text")
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
        _limits().check_size(grown, "the replaced text")


class _Environment(ImmutableSandboxedEnvironment):
    """Jinja2's immutable sandbox with the size, time and call checks of this module."""

    intercepted_binops = frozenset(_BINOPS)

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        return _guard_binop(operator, left, right)

    def unsafe_undefined(self, obj: Any, attribute: str) -> Undefined:
        raise SecurityError(f"{attribute!r} of a {type(obj).__name__} is private")

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        wrapper = super().wrap_str_format(value)
        if wrapper is None:
            return None
        _check_brace_format(value.__self__)

        def checked(*args: Any, **kwargs: Any) -> str:
            _check_weight([args, kwargs], "the values put into a text")
            return wrapper(*args, **kwargs)

        checked._checked_format = True  # type: ignore[attr-defined]
        return checked

    def call(
        __self,
        __context: Context,
        __obj: Any,
        *args: Any,
        **kwargs: Any,
    ) -> Any:
        _limits().check_time()
        _check_call(__obj, args)
        return super().call(__context, __obj, *args, **kwargs)


# --- filters ----------------------------------------------------------------------------------

# Jinja's own filters that stay; the rest are replaced by transforms or left out as not needed
# (batch, slice, urlize, wordwrap, xmlattr, pprint, random, safe, forceescape).
# fmt: off
_JINJA_FILTERS = (
    "abs", "attr", "count", "dictsort", "filesizeformat", "float", "groupby", "int", "items",
    "last", "length", "list", "map", "max", "min", "reject", "rejectattr", "reverse", "round",
    "select", "selectattr", "sort", "unique",
)
# fmt: on
# Jinja filters that write their input out as text: its size is checked first.
_TEXT_FILTERS = ("capitalize", "title", "striptags", "wordcount", "urlencode", "escape", "e")


def _text_filter(function: Callable[..., Any]) -> Callable[..., Any]:
    def checked(value: Any, *args: Any, **kwargs: Any) -> Any:
        _check_weight(value, "the text given to a filter")
        return function(value, *args, **kwargs)

    return checked


def _center(value: Any, width: int = 80) -> str:
    _limits().check_size(width, "a centred text")
    return do_center(_as_text(value), width)


def _indent(value: Any, width: int | str = 4, first: bool = False, blank: bool = False) -> str:
    text = _as_text(value)
    unit = len(width) if isinstance(width, str) else width
    _limits().check_size(len(text) + (text.count("\n") + 1) * unit, "an indented text")
    return do_indent(text, width, first, blank)


def _format(value: Any, *args: Any, **kwargs: Any) -> str:
    text = _as_text(value)
    _check_percent_format(text)
    _check_weight([args, kwargs], "the values put into a text")
    return do_format(text, *args, **kwargs)


def _tojson(value: Any, indent: int | None = None) -> str:
    """The value as JSON (a text in quotes, a number, a list...), to build JSON bodies."""
    if indent is not None and not 0 <= indent <= 8:
        raise TemplateError("tojson indents by 0 to 8 spaces")
    return _json(_as_data(value), indent, "the value written as JSON")


@pass_environment
def _sum(environment: Any, iterable: Any, attribute: Any = None, start: Any = 0) -> Any:
    if not isinstance(start, int | float):
        raise TemplateError("sum adds up numbers; its start must be a number")
    return sync_do_sum(environment, iterable, attribute, start)


def _transform_filter(name: str) -> Callable[..., Any]:
    """A transform as a filter: ``{{ x | date(to="%Y") }}`` is the step {date: {to: "%Y"}}."""

    def apply(value: Any, *args: Any, **kwargs: Any) -> Any:
        return _filter_transform(name, args, kwargs)(_as_data(value))

    return apply


def _filter_transform(name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Transform:
    key = (name, args, tuple(sorted(kwargs.items())))
    try:
        hash(key)
    except TypeError:
        return compile_transform(filter_step(name, args, kwargs))
    return _cached_filter_transform(key)


@lru_cache(maxsize=256)
def _cached_filter_transform(
    key: tuple[str, tuple[Any, ...], tuple[tuple[str, Any], ...]],
) -> Transform:
    name, args, kwargs = key
    return compile_transform(filter_step(name, args, dict(kwargs)))


_TRANSFORM_FILTERS = frozenset(info.name for info in available_transforms()) - {"map"}


def _on_time(function: Callable[..., Any]) -> Callable[..., Any]:
    """Check the deadline before a filter runs: chained filters cannot outrun it by much."""

    @wraps(function)  # keeps Jinja's pass_context/pass_environment marks
    def checked(*args: Any, **kwargs: Any) -> Any:
        _limits().check_time()
        return function(*args, **kwargs)

    return checked


def _filters() -> dict[str, Callable[..., Any]]:
    filters: dict[str, Callable[..., Any]] = {name: FILTERS[name] for name in _JINJA_FILTERS}
    filters.update({name: _text_filter(FILTERS[name]) for name in _TEXT_FILTERS})
    filters.update(center=_center, indent=_indent, format=_format, sum=_sum, tojson=_tojson)
    filters.update({name: _transform_filter(name) for name in _TRANSFORM_FILTERS})
    filters = {name: _on_time(function) for name, function in filters.items()}
    filters.update(_loop=_guard_loop, _concat=_guard_concat, _sized=_guard_sized)
    return filters


def _environment() -> _Environment:
    environment = _Environment(
        autoescape=False, undefined=ChainableUndefined, finalize=_as_text, cache_size=0
    )
    environment.globals.clear()
    environment.globals["range"] = safe_range
    environment.filters.clear()
    environment.filters.update(_filters())
    return environment


_ENVIRONMENT = _environment()
