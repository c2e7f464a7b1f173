"""Templates: what they render, what they refuse, and the limits that keep them cheap."""

from __future__ import annotations

import contextlib
import tracemalloc
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from server.mapping.errors import MappingError
from server.mapping.templates import MAX_SOURCE, TemplateError, compile_template
from server.mapping.transforms import TransformError, compile_chain

CONTEXT: dict[str, Any] = {
    "query": {"list": "104523"},
    "body": {
        "contact": {"email": " Jane@Example.COM ", "id": "987654321", "score": 42, "vip": True},
        "fields": [{"name": "First Name", "value": "Jane"}, {"name": "Company", "value": "Acme"}],
        "ratio": 2.0,
        "nothing": None,
    },
    "field": {"Company": "Acme Widgets & Co.", "First Name": "Jane"},
    "keys": {"crm_id": "003abc"},
}


def render(source: str, context: dict[str, Any] | None = None, **limits: Any) -> str:
    return compile_template(source, **limits).render(CONTEXT if context is None else context)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("{{ body.contact.id }}", "987654321"),
        ("{{ query.list }}/{{ keys.crm_id }}", "104523/003abc"),
        ("{{ field['Company'] }}", "Acme Widgets & Co."),
        ("{{ body.contact.missing }}|{{ body.nope.deeper.still }}|{{ nothing }}", "||"),
        ("{{ body.nothing }}", ""),
        ("{{ body.contact.score }} {{ body.ratio }} {{ body.contact.vip }}", "42 2 true"),
        ("{{ body.fields[1] }}", '{"name":"Company","value":"Acme"}'),
        ("{{ body.contact.id ~ '-' ~ body.nothing ~ '-' ~ body.ratio }}", "987654321--2"),
        ("{% if body.contact.score > 40 %}hot{% else %}cold{% endif %}", "hot"),
        (
            "{% for f in body.fields %}{{ f.name }}={{ f.value }}{{ '' if loop.last else '&' }}"
            "{% endfor %}",
            "First Name=Jane&Company=Acme",
        ),
        ("{{ body.fields | map(attribute='name') | join(', ') }}", "First Name, Company"),
        ("{{ (body.fields | selectattr('name', 'equalto', 'Company') | first).value }}", "Acme"),
        ("{{ {'Warm': 'lead'}.get(body.contact.id, 'other') }}", "other"),
        (
            "{{ 'a,b'.split(',') | last }} {{ body.contact.email.strip().upper() }}",
            "b JANE@EXAMPLE.COM",
        ),
        (
            "{{ body.contact | tojson }}",
            '{"email":" Jane@Example.COM ","id":"987654321","score":42,"vip":true}',
        ),
        ("{{ '%s-%s' | format(1, 2) }} {{ '{}:{}'.format(3, 4) }}", "1-2 3:4"),
        ("{% raw %}{{ 7*7 }}{% endraw %}", "{{ 7*7 }}"),
    ],
)
def test_templates_render_the_event(source: str, expected: str) -> None:
    assert render(source) == expected


@pytest.mark.parametrize(
    "value", ["{{ 7*7 }}", "{% for x in range(9) %}x{% endfor %}", "{{ ''.__class__ }}", "{#"]
)
def test_payload_values_are_data_never_template_code(value: str) -> None:
    context = {"body": {"note": value}}
    assert render("{{ body.note }}", context) == value
    assert render("{{ body.note | upper | lower }}", context) == value.lower()


@pytest.mark.parametrize(
    ("source", "steps"),
    [
        ("{{ body.contact.email | trim | lower }}", ["trim", "lower"]),
        ("{{ body.contact.email | sha256 }}", ["sha256"]),
        ("{{ body.contact.id | prefix('crm-') }}", [{"prefix": "crm-"}]),
        ("{{ body.contact.id | truncate(3) }}", [{"truncate": 3}]),
        ("{{ body.contact.id | replace('9', '') }}", [{"replace": {"old": "9", "new": ""}}]),
        ("{{ body.contact.id | date(to='%Y') }}", [{"date": {"to": "%Y"}}]),
        (
            "{{ body.contact.id | date('%Y', tz='Asia/Tokyo') }}",
            [{"date": {"to": "%Y", "tz": "Asia/Tokyo"}}],
        ),
        ("{{ body.contact.missing | default('n/a') }}", [{"default": "n/a"}]),
    ],
)
def test_transforms_are_filters_with_the_same_meaning(source: str, steps: list[Any]) -> None:
    path = source.split("|")[0].strip(" {").split(".")
    value = CONTEXT["body"]["contact"].get(path[-1])
    assert render(source) == str(compile_chain(steps)(value))


def test_a_filter_that_cannot_transform_the_value_raises_a_transform_error() -> None:
    with pytest.raises(TransformError, match=r"'Jane@Example\.COM'"):
        render("{{ body.contact.email | date }}")


def test_template_errors_are_transform_errors_the_engine_records() -> None:
    assert issubclass(TemplateError, TransformError)
    with pytest.raises(TemplateError, match="division by zero"):
        render("{{ body.contact.score / 0 }}")


@pytest.mark.parametrize(
    ("source", "words"),
    [
        ("{{ body.contact.email }", ["line 1", "unexpected '}'", "in: {{ body.contact.email }"]),
        ("a\n{% if x %}\nb", ["line 2", "endif"]),
        ("{{ body.contact.email | lowr }}", ["line 1", "unknown filter 'lowr'", "'lower'"]),
        ("{% if x is oddd %}{% endif %}", ["unknown test 'oddd'", "'odd'"]),
        ("\n\n{{ x | date(tz='Mars/Olympus') }}", ["line 3", "unknown time zone"]),
        ("{{ x | truncate('ten') }}", ["whole number"]),
        ("{{ x | join(attribute='name') }}", ["separator"]),
    ],
)
def test_mistakes_are_reported_when_the_mapping_loads_with_their_line(
    source: str, words: list[str]
) -> None:
    with pytest.raises(MappingError) as caught:
        compile_template(source)
    assert not isinstance(caught.value, TransformError)
    for word in words:
        assert word in caught.value.message


def test_a_template_longer_than_the_limit_is_refused() -> None:
    with pytest.raises(MappingError, match=f"at most {MAX_SOURCE} characters"):
        compile_template("x" * (MAX_SOURCE + 1))


@pytest.mark.parametrize(
    ("source", "refused"),
    [
        ("{% extends 'base' %}", "{% extends %}"),
        ("{% include 'x' %}", "{% include %}"),
        ("{% import 'x' as y %}", "{% import %}"),
        ("{% from 'x' import y %}", "{% from ... import %}"),
        ("{% macro f() %}{% endmacro %}", "{% macro %}"),
        ("{% call range(1) %}{% endcall %}", "{% call %}"),
        ("{% block b %}{% endblock %}", "{% block %}"),
        ("{% set x %}{{ 1 }}{% endset %}", "{% set %}...{% endset %}"),
        ("{% filter upper %}x{% endfilter %}", "{% filter %}"),
        ("{% for x in y recursive %}{% endfor %}", "recursive loops"),
    ],
)
def test_statements_mapping_templates_do_not_need_are_refused(source: str, refused: str) -> None:
    with pytest.raises(MappingError) as caught:
        compile_template(source)
    assert refused in caught.value.message


@pytest.mark.parametrize(
    "source",
    [
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ cycler.__init__.__globals__ }}",
        "{{ self._TemplateReference__context }}",
        "{{ range.__globals__['os'] }}",
        "{{ body['__class__'] }}",
        "{{ lipsum.__globals__ }}",
        "{{ x | _loop }}",
        "{% set _private = 1 %}",
    ],
)
def test_private_names_are_refused_when_the_template_is_compiled(source: str) -> None:
    with pytest.raises(MappingError, match="private"):
        compile_template(source)


@pytest.mark.parametrize(
    ("source", "words"),
    [
        ("{{ '' | attr('__class__') }}", "'__class__' of a str is private"),
        ("{{ body['__cl' ~ 'ass__'] }}", "'__class__' of a dict is private"),
        ("{{ 'x'['__cl' ~ 'ass__'] }}", "'__class__' of a str is private"),
        ("{{ '{0.__class__}'.format('') }}", "'__class__' of a str is private"),
        ("{{ body.fields | map(attribute='__class__') | list }}", "is private"),
        ("{{ (1).to_bytes(8, 'big') }}", "'to_bytes' is not allowed"),
        ("{{ ','.join(['a']) }}", "'join' is not allowed"),
        ("{{ body.fields.append(1) }}", "'append' of a list is private"),
        ("{{ cycler(1) }}", "does not exist"),
        ("{{ namespace(a=1) }}", "does not exist"),
        ("{{ lipsum(100000000) }}", "does not exist"),
        ("{{ dict(a=1) }}", "does not exist"),
    ],
)
def test_escapes_built_at_render_time_are_refused(source: str, words: str) -> None:
    with pytest.raises(TemplateError) as caught:
        render(source)
    assert words in caught.value.message


@pytest.fixture
def tracing_memory() -> Iterator[None]:
    """Trace memory allocations while the test runs (tracemalloc.get_traced_memory)."""
    tracemalloc.start()
    try:
        yield
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize(
    "source",
    [
        "{{ 'a' * 100000000 }}",
        "{{ ['a'] * 100000000 }}",
        "{{ 'x' | center(100000000) }}",
        "{{ 'x'.center(100000000) }}",
        "{{ 'x'.ljust(100000000) }}",
        "{{ '%100000000s' | format(1) }}",
        "{{ '%100000000s' % 1 }}",
        "{{ '%*s' % (100000000, 1) }}",
        "{{ '{:>100000000}'.format(1) }}",
        "{{ '{:>{w}}'.format(1, w=100000000) }}",
        "{{ 'x\nx' | indent(100000000) }}",
        "{{ ('a' * 60000).replace('a', 'bbbbbbbbbb') }}",
        "{{ 9 ** (9 ** 9) }}",
        "{{ (10 ** 4000) * (10 ** 4000) }}",
        "{% set a = 'x' * 60000 %}{{ a ~ a ~ a ~ a }}",
        "{% set a = 'x' * 60000 %}{{ a + a + a + a }}",
        "{% set a = 'x' * 60000 %}{% set b = [a, a] %}{% set c = [b, b] %}{{ c }}",
        "{% set a = 'x' * 40000 %}{% set b = (a, a) %}{{ b | tojson }}",
        "{{ range(100000) | list | tojson }}",
        "{{ [[1]] | sum(start=[]) }}",
        "{{ 'x' | tojson(indent=100000000) }}",
    ],
)
@pytest.mark.usefixtures("tracing_memory")
def test_templates_that_would_build_huge_values_are_refused_cheaply(source: str) -> None:
    with pytest.raises(TemplateError):
        render(source)
    assert tracemalloc.get_traced_memory()[1] < 5_000_000


def test_a_template_may_build_values_up_to_the_limit() -> None:
    assert len(render("{{ 'x' * 1000 }}", max_output=1000)) == 1000
    assert len(render("{{ 'x' | center(1000) }}", max_output=1000)) == 1000


def test_output_over_the_limit_is_refused() -> None:
    with pytest.raises(TemplateError, match="over the template limit of 1000"):
        render("{% for i in range(101) %}0123456789{% endfor %}", max_output=1000)


def test_a_template_that_runs_too_long_is_stopped() -> None:
    endless = "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}"
    with pytest.raises(TemplateError, match=r"took longer than 0\.05 s"):
        render(endless, max_seconds=0.05)


def test_a_loop_cannot_grow_a_value_from_one_pass_to_the_next() -> None:
    doubling = "{% set x = 'ab' %}{% for i in range(40) %}{% set x = x ~ x %}{% endfor %}{{ x }}"
    assert render(doubling) == "ab"


def test_one_template_renders_many_events() -> None:
    template = compile_template("{{ body.contact.email | trim | lower }}")
    for email in ["A@x.com", " b@X.com", "c@x.COM "]:
        assert template.render({"body": {"contact": {"email": email}}}) == email.strip().lower()


@given(value=st.text())
def test_any_payload_text_renders_as_itself(value: str) -> None:
    assert render("{{ body.note }}", {"body": {"note": value}}) == value


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=4)
    ),
    max_leaves=8,
)
SOURCES = [
    "{{ body.x }}",
    "{{ body.x | trim | lower | sha256 }}",
    "{{ body.x | date(tz='Europe/Paris') }}",
    "{{ body.x | number | default(0) }}",
    "{{ body.x ~ '-' ~ body.x }}",
    "{{ body.x | join(', ') }}",
    "{% for item in body.x %}{{ item }}{% endfor %}",
    "{{ body.x | tojson }}{{ body.x | length }}",
    "{{ body.x * 3 }}{{ body.x + body.x }}",
    "{{ '%s' | format(body.x) }}{{ '%s' % body.x }}",
]


@given(value=JSON_VALUES)
def test_any_payload_value_renders(value: Any) -> None:
    rendered = render("{{ body.x }}", {"body": {"x": value}})
    assert isinstance(rendered, str)


@given(source=st.sampled_from(SOURCES), value=JSON_VALUES)
def test_output_stays_within_the_limit_whatever_the_payload(source: str, value: Any) -> None:
    with contextlib.suppress(TransformError):
        assert len(render(source, {"body": {"x": value}}, max_output=200)) <= 200
