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

This module compiles and renders, and refuses at compile time; the run-time checks are in
:mod:`server.mapping.template_guards`, the environment in :mod:`server.mapping.template_sandbox`.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import Any, cast

from jinja2 import Template, nodes
from jinja2.exceptions import SecurityError, TemplateSyntaxError

from server.mapping.errors import MappingError
from server.mapping.template_guards import TemplateError, collect_within_limits
from server.mapping.template_sandbox import ENVIRONMENT, TRANSFORM_FILTERS, add_guards
from server.mapping.transforms import TransformError, compile_transform, filter_step

__all__ = ["MAX_SOURCE", "CompiledTemplate", "TemplateError", "compile_template"]

MAX_SOURCE = 2000


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
        try:
            chunks = self._template.generate(dict(context))
            return collect_within_limits(chunks, self.max_seconds, self.max_output)
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
    try:
        tree = ENVIRONMENT.parse(source)
        _refuse_unsafe(tree)
        add_guards(tree)
        code = ENVIRONMENT.compile(tree)
    except TemplateSyntaxError as err:
        raise MappingError(_syntax_message(err, source)) from err
    template = ENVIRONMENT.template_class.from_code(
        ENVIRONMENT, code, ENVIRONMENT.make_globals(None), None
    )
    return CompiledTemplate(template, source, max_output, max_seconds)


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
    if isinstance(node, nodes.Test) and node.name not in ENVIRONMENT.tests:
        return _unknown("test", node.name, ENVIRONMENT.tests)
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
    if node.name not in ENVIRONMENT.filters:
        return _unknown("filter", node.name, ENVIRONMENT.filters)
    if node.name not in TRANSFORM_FILTERS or node.dyn_args or node.dyn_kwargs:
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
