"""The table of transforms, and compiling a rule's steps against it.

Each transform module registers its builders here when it is imported (the package imports
them all); a builder checks a step's argument and returns the transform.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from server.mapping.errors import MappingError
from server.mapping.spec import TransformStep
from server.mapping.transforms.arguments import no_argument
from server.mapping.transforms.values import (
    NO_ARGUMENT,
    Scalar,
    Transform,
    TransformError,
    each,
    show,
)

Builder = Callable[[Any], Transform]


@dataclass(frozen=True)
class TransformInfo:
    """What the UI's dropdown and the docs say about one transform."""

    name: str
    summary: str
    arguments: str
    example: str


@dataclass(frozen=True)
class _Definition:
    info: TransformInfo
    build: Builder
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


# --- registering transforms -------------------------------------------------------------------


def register(
    name: str, summary: str, arguments: str, example: str, positional: tuple[str, ...] = ()
) -> Callable[[Builder], Builder]:
    """Register a builder: it checks a step's argument and returns the transform."""

    def add(build: Builder) -> Builder:
        info = TransformInfo(name, summary, arguments, example)
        _DEFINITIONS[name] = _Definition(info, build, positional)
        return build

    return add


def register_simple(
    name: str, convert: Callable[[Scalar], Any], summary: str, example: str
) -> None:
    """Register a transform without arguments that converts each value on its own."""

    def build(argument: Any) -> Transform:
        no_argument(name, argument)
        return each(name, convert)

    register(name, summary, "none", example)(build)


# --- compiling steps --------------------------------------------------------------------------


def _split_step(step: Any) -> tuple[str, Any]:
    if isinstance(step, str):
        return step, NO_ARGUMENT
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
        f"{{prefix: '+'}}; got {show(step)}"
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
            raise TransformError(f"{name}: unexpected problem with {show(value)}: {err}") from err

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
