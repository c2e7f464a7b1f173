"""The Jinja2 environment templates run in: the immutable sandbox, our filters, and the guards.

Compiling a template routes its loops, ``~``, list and object literals through the guards of
:mod:`server.mapping.template_guards` (:func:`add_guards`); the environment routes operators,
calls and ``str.format`` through them too. Every transform is a filter, except ``map``, which
keeps its Jinja meaning; Jinja filters a mapping does not need are left out.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache, wraps
from typing import Any

from jinja2 import ChainableUndefined, nodes
from jinja2.exceptions import SecurityError
from jinja2.filters import FILTERS, do_center, do_format, do_indent, sync_do_sum
from jinja2.runtime import Context, Undefined
from jinja2.sandbox import ImmutableSandboxedEnvironment, safe_range
from jinja2.utils import pass_environment
from jinja2.visitor import NodeTransformer

from server.mapping.template_guards import (
    BINOPS,
    TemplateError,
    as_data,
    as_text,
    check_brace_format,
    check_call,
    check_format_values,
    check_percent_format,
    check_weight,
    guard_binop,
    guard_concat,
    guard_loop,
    guard_sized,
    limits,
    to_json,
)
from server.mapping.transforms import (
    Transform,
    available_transforms,
    compile_transform,
    filter_step,
)

# The filters that are transforms: all but map, which keeps its Jinja meaning.
TRANSFORM_FILTERS = frozenset(info.name for info in available_transforms()) - {"map"}


# --- routing the compiled code through the guards ---------------------------------------------


def add_guards(tree: nodes.Template) -> None:
    """Route the loops, ``~`` and literals of a parsed template through the guards."""
    _Guards().visit(tree)


class _Guards(NodeTransformer):
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


# --- the environment --------------------------------------------------------------------------


class _Environment(ImmutableSandboxedEnvironment):
    """Jinja2's immutable sandbox with the size, time and call checks of the guards."""

    intercepted_binops = frozenset(BINOPS)

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        return guard_binop(operator, left, right)

    def unsafe_undefined(self, obj: Any, attribute: str) -> Undefined:
        raise SecurityError(f"{attribute!r} of a {type(obj).__name__} is private")

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        wrapper = super().wrap_str_format(value)
        if wrapper is None:
            return None
        check_brace_format(value.__self__)

        def checked(*args: Any, **kwargs: Any) -> str:
            check_format_values([args, kwargs])
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
        limits().check_time()
        check_call(__obj, args)
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
        check_weight(value, "the text given to a filter")
        return function(value, *args, **kwargs)

    return checked


def _center(value: Any, width: int = 80) -> str:
    limits().check_size(width, "a centred text")
    return do_center(as_text(value), width)


def _indent(value: Any, width: int | str = 4, first: bool = False, blank: bool = False) -> str:
    text = as_text(value)
    unit = len(width) if isinstance(width, str) else width
    limits().check_size(len(text) + (text.count("\n") + 1) * unit, "an indented text")
    return do_indent(text, width, first, blank)


def _format(value: Any, *args: Any, **kwargs: Any) -> str:
    text = as_text(value)
    check_percent_format(text, [args, kwargs])
    return do_format(text, *args, **kwargs)


def _tojson(value: Any, indent: int | None = None) -> str:
    """The value as JSON (a text in quotes, a number, a list...), to build JSON bodies."""
    if indent is not None and not 0 <= indent <= 8:
        raise TemplateError("tojson indents by 0 to 8 spaces")
    return to_json(as_data(value), indent, "the value written as JSON")


@pass_environment
def _sum(environment: Any, iterable: Any, attribute: Any = None, start: Any = 0) -> Any:
    if not isinstance(start, int | float):
        raise TemplateError("sum adds up numbers; its start must be a number")
    return sync_do_sum(environment, iterable, attribute, start)


def _transform_filter(name: str) -> Callable[..., Any]:
    """A transform as a filter: ``{{ x | date(to="%Y") }}`` is the step {date: {to: "%Y"}}."""

    def apply(value: Any, *args: Any, **kwargs: Any) -> Any:
        return _filter_transform(name, args, kwargs)(as_data(value))

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


def _on_time(function: Callable[..., Any]) -> Callable[..., Any]:
    """Check the deadline before a filter runs: chained filters cannot outrun it by much."""

    @wraps(function)  # keeps Jinja's pass_context/pass_environment marks
    def checked(*args: Any, **kwargs: Any) -> Any:
        limits().check_time()
        return function(*args, **kwargs)

    return checked


def _filters() -> dict[str, Callable[..., Any]]:
    filters: dict[str, Callable[..., Any]] = {name: FILTERS[name] for name in _JINJA_FILTERS}
    filters.update({name: _text_filter(FILTERS[name]) for name in _TEXT_FILTERS})
    filters.update(center=_center, indent=_indent, format=_format, sum=_sum, tojson=_tojson)
    filters.update({name: _transform_filter(name) for name in TRANSFORM_FILTERS})
    filters = {name: _on_time(function) for name, function in filters.items()}
    filters.update(_loop=guard_loop, _concat=guard_concat, _sized=guard_sized)
    return filters


def _environment() -> _Environment:
    environment = _Environment(
        autoescape=False, undefined=ChainableUndefined, finalize=as_text, cache_size=0
    )
    environment.globals.clear()
    environment.globals["range"] = safe_range
    environment.filters.clear()
    environment.filters.update(_filters())
    return environment


ENVIRONMENT = _environment()
