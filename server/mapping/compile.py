"""Compile a mapping document once into what the hot path evaluates.

Every JSONPath, transform chain, template and condition is parsed here, when a mapping is
saved or loaded, never per event. Problems are reported as MappingErrors located in the
document so the file loader and the UI can point at the exact setting.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from msgspec import UNSET

from server.mapping.conditions import Predicate, compile_condition
from server.mapping.errors import MappingError
from server.mapping.paths import MISSING, PathReader, compile_path
from server.mapping.spec import (
    RESERVED_KEYS,
    Action,
    CredentialDecl,
    Limits,
    MappingDocument,
    Parameter,
    ResponseKey,
    ValueSource,
    endpoint_key,
)
from server.mapping.templates import CompiledTemplate, compile_template
from server.mapping.transforms import Transform, compile_chain

TargetPath = tuple[str | int, ...]

_TARGET_STEP = re.compile(r"\[(\d+)\]|\['([^']*)'\]|([^.\[\]]+)")
_KEYS_REFERENCE = re.compile(r"\$\.keys(?:\.([A-Za-z_][\w-]*)|\['([^']+)'\])")


def _is_empty(value: Any) -> bool:
    return value is None or value == "" or value == []


@dataclass(frozen=True, slots=True)
class CompiledValue:
    """A value source ready to evaluate: read (or constant, or template), transform, default."""

    reader: PathReader | None
    template: CompiledTemplate | None
    constant: Any
    transform: Transform | None
    default: Any

    def evaluate(self, context: Mapping[str, Any]) -> Any:
        """The value for this event; None when missing and no default applies."""
        if self.reader is not None:
            value = self.reader.read(context)
            value = None if value is MISSING else value
        elif self.template is not None:
            value = self.template.render(context)
        else:
            value = self.constant
        if self.transform is not None:
            value = self.transform(value)
        if _is_empty(value) and self.default is not None:
            return self.default
        return value


@dataclass(frozen=True, slots=True)
class CompiledAction:
    """One action: when it runs, the request it builds, the keys it reads back."""

    index: int
    name: str
    condition: Predicate | None
    method: str
    url: CompiledValue
    credential: str | None
    body_kind: str
    body_from: PathReader | None
    headers: tuple[tuple[str, CompiledValue], ...]
    query: tuple[tuple[str, CompiledValue], ...]
    fields: tuple[tuple[TargetPath, CompiledValue], ...]
    response: tuple[tuple[str, CompiledValue], ...]
    timeout: float
    limits: Limits | None = None

    @property
    def sends_body(self) -> bool:
        return self.body_kind != "none" and (bool(self.fields) or self.body_from is not None)


@dataclass(frozen=True, slots=True)
class CompiledEndpoint:
    """A whole mapping document, compiled."""

    document: MappingDocument
    key: str
    methods: frozenset[str]
    dedupe: PathReader | None
    credentials: Mapping[str, CredentialDecl]
    actions: tuple[CompiledAction, ...]


class MappingErrors(MappingError):
    """Several problems in one document; ``errors`` lists them all."""

    def __init__(self, errors: list[MappingError]) -> None:
        super().__init__("; ".join(str(error) for error in errors))
        self.errors = errors


def compile_document(document: MappingDocument) -> CompiledEndpoint:
    """Compile a document, or raise MappingErrors listing every problem in it."""
    errors: list[MappingError] = []
    actions = []
    for index, action in enumerate(document.actions):
        try:
            actions.append(compile_action(index, action))
        except MappingErrors as many:
            errors.extend(error.at("actions", index) for error in many.errors)
    errors.extend(_document_errors(document))
    dedupe = None
    try:
        dedupe = _compile_dedupe(document.endpoint.dedupe)
    except MappingError as error:
        errors.append(error.at("endpoint", "dedupe"))
    if errors:
        raise MappingErrors(errors)
    return CompiledEndpoint(
        document=document,
        key=endpoint_key(document.endpoint),
        methods=frozenset(document.endpoint.methods),
        dedupe=dedupe,
        credentials=document.credentials,
        actions=tuple(actions),
    )


def check_document(document: MappingDocument) -> list[MappingError]:
    """Every problem in a document, located; [] when it compiles."""
    try:
        compile_document(document)
    except MappingErrors as many:
        return many.errors
    return []


def _compile_dedupe(setting: str) -> PathReader | None:
    return None if setting.strip().lower() == "none" else compile_path(setting)


class _Collector:
    """Gathers located errors while compiling the parts of one action."""

    def __init__(self) -> None:
        self.errors: list[MappingError] = []

    def compile(self, location: tuple[str | int, ...], build: Any, *args: Any) -> Any:
        try:
            return build(*args)
        except MappingError as error:
            self.errors.append(error.at(*location))
            return None


def compile_action(index: int, action: Action) -> CompiledAction:
    """Compile one action; raise MappingErrors (located within the action) on problems."""
    found = _Collector()
    request = action.request
    condition = None
    if action.when is not None:
        condition = found.compile(("when",), compile_condition, action.when)
    url = found.compile(("request", "url"), _compile_text, request.url)
    body_from = None
    if request.body_from is not None:
        body_from = found.compile(("request", "body_from"), compile_path, request.body_from)
    headers = _compile_parameters(found, ("request", "headers"), request.headers)
    query = _compile_parameters(found, ("request", "query"), request.query)
    fields = []
    for target, source in action.fields.items():
        path = found.compile(("fields", target), parse_target_path, target)
        value = found.compile(("fields", target), compile_value, source)
        fields.append((path, value))
    response = [
        (key, found.compile(("response", key), _compile_response_key, source))
        for key, source in action.response.items()
    ]
    if action.fields and request.body == "none":
        found.errors.append(
            MappingError(
                "this action has fields but its request has no body: "
                "set 'body: json' or 'body: form', or move the values to 'query'",
                ("request", "body"),
            )
        )
    if found.errors:
        raise MappingErrors(found.errors)
    return CompiledAction(
        index=index,
        name=action.name,
        condition=condition,
        method=request.method,
        url=url,
        credential=request.credential,
        body_kind=request.body,
        body_from=body_from,
        headers=tuple(headers),
        query=tuple(query),
        fields=tuple(fields),
        response=tuple(response),
        timeout=request.timeout,
        limits=request.limits,
    )


def _compile_parameters(
    found: _Collector, location: tuple[str, ...], parameters: Mapping[str, Parameter]
) -> list[tuple[str, CompiledValue]]:
    compiled = []
    for name, parameter in parameters.items():
        source = ValueSource(value=parameter) if isinstance(parameter, str) else parameter
        compiled.append((name, found.compile((*location, name), compile_value, source)))
    return compiled


def _compile_text(text: str) -> CompiledValue:
    """A setting that is a constant unless it holds a ``{{ template }}``."""
    if "{{" in text or "{%" in text:
        return compile_value(ValueSource(template=text))
    return compile_value(ValueSource(value=text))


def _compile_response_key(source: ResponseKey) -> CompiledValue:
    return compile_value(ValueSource(from_=source) if isinstance(source, str) else source)


def compile_value(source: ValueSource) -> CompiledValue:
    """Compile one value source; exactly one of from / value / template must be set."""
    given = [name for name in ("from_", "value", "template") if getattr(source, name) is not UNSET]
    if len(given) != 1:
        raise MappingError(
            "give exactly one of 'from' (a path in the payload), 'value' (a fixed value) "
            "or 'template'" + (f"; this one has {len(given)}" if given else "")
        )
    reader = template = None
    if source.from_ is not UNSET:
        reader = _located("from", compile_path, source.from_)
    elif source.template is not UNSET:
        template = _located("template", compile_template, source.template)
    transform = None
    if source.transform:
        transform = _located("transform", compile_chain, source.transform)
    return CompiledValue(
        reader=reader,
        template=template,
        constant=None if source.value is UNSET else source.value,
        transform=transform,
        default=None if source.default is UNSET else source.default,
    )


def _located(name: str, build: Any, *args: Any) -> Any:
    try:
        return build(*args)
    except MappingError as error:
        raise error.at(name) from None


def parse_target_path(target: str) -> TargetPath:
    """``properties.email`` -> ("properties", "email"); ``items[0].id`` -> ("items", 0, "id")."""
    steps: list[str | int] = []
    position = 0
    text = target.strip()
    while position < len(text):
        if text[position] == "." and steps:
            position += 1
        match = _TARGET_STEP.match(text, position)
        if match is None or match.end() == position:
            raise MappingError(
                f"'{target}' is not a field path: use names joined by dots, "
                "with [0] for list positions (for example properties.email or items[0].id)"
            )
        index, quoted, name = match.groups()
        steps.append(int(index) if index is not None else quoted if quoted is not None else name)
        position = match.end()
    if not steps or isinstance(steps[0], int):
        raise MappingError(f"'{target}' is not a field path: it must start with a name")
    return tuple(steps)


def _document_errors(document: MappingDocument) -> list[MappingError]:
    errors: list[MappingError] = []
    if endpoint_key(document.endpoint) in RESERVED_KEYS:
        setting = "key" if document.endpoint.key else "name"
        errors.append(
            MappingError(
                f"the endpoint key {endpoint_key(document.endpoint)!r} is a word the pages use: "
                "give it another 'key'",
                ("endpoint", setting),
            )
        )
    names: set[str] = set()
    keys_so_far: set[str] = set()
    for index, action in enumerate(document.actions):
        if action.name in names:
            errors.append(
                MappingError(f"two actions are named '{action.name}'", ("actions", index, "name"))
            )
        names.add(action.name)
        credential = action.request.credential
        if credential is not None and credential not in document.credentials:
            errors.append(
                MappingError(
                    f"credential '{credential}' is not declared under 'credentials:' "
                    "at the top of the document",
                    ("actions", index, "request", "credential"),
                )
            )
        errors.extend(_key_reference_errors(index, action, keys_so_far))
        # A key read again by a later action takes the later value (update-or-create pairs).
        keys_so_far.update(action.response)
    return errors


def _key_reference_errors(index: int, action: Action, earlier: set[str]) -> list[MappingError]:
    """A ``$.keys.x`` reference must name a key read by an earlier action."""
    text = repr(action.fields) + repr(action.request) + repr(action.when)
    errors = []
    for match in _KEYS_REFERENCE.finditer(text):
        key = match.group(1) or match.group(2)
        if key not in earlier:
            errors.append(
                MappingError(
                    f"'$.keys.{key}' refers to a response key no earlier action reads; "
                    "add it to the 'response' of an action above this one",
                    ("actions", index),
                )
            )
    return errors
