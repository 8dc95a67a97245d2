"""Operators edit templates, so a template must not reach Python internals or exhaust a worker."""

from __future__ import annotations

import time

import pytest

from hotel_agent.message_templates import RenderLimits, TemplateRenderError
from tests.support.templates import make_service, render_one


@pytest.mark.parametrize(
    "payload",
    [
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ ''.__class__ }}",
        "{{ cycler.__init__.__globals__ }}",
        "{{ joiner.__init__.__globals__['os'] }}",
        "{{ self._TemplateReference__context }}",
        "{{ self.__dict__ }}",
        "{{ range.__self__ }}",
        "{{ plural.__globals__ }}",
        "{{ offer.__class__.__init__.__globals__ }}",
        "{{ (1).__class__.__base__.__subclasses__() }}",
        "{{ ''['__class__'] }}",
        "{{ ''|attr('__class__') }}",
        "{{ dict.__base__.__subclasses__() }}",
        "{{ lipsum.__globals__ }}",
        "{{ namespace.__init__.__globals__ }}",
        "{{ [].append(1) }}",
        "{{ {}.update(a=1) }}",
    ],
)
def test_python_internals_are_out_of_reach(payload: str) -> None:
    with pytest.raises(TemplateRenderError) as caught:
        render_one(payload, "en", offer={"name": "Suite"})
    # Refused outright, or the name simply does not exist in the sandbox (lipsum, namespace).
    assert caught.value.reason.startswith(("not allowed in templates", "undefined variable"))


def test_a_sandbox_violation_says_what_was_refused() -> None:
    with pytest.raises(TemplateRenderError) as caught:
        render_one("Hello\n{{ ''.__class__.__mro__ }}", "es")
    error = caught.value
    assert (error.key, error.language, error.line) == ("t", "es", 2)
    assert "not allowed" in error.reason
    assert "__class__" in error.reason
    assert error.status_code == 422


@pytest.mark.parametrize(
    "payload",
    [
        "{{ '%0999999999d' % 1 }}",
        "{{ '{:>999999999}'.format(1) }}",
        "{{ '{0.__class__}'.format('') }}",
        "{{ 'a'.ljust(10**9) }}",
        "{{ 'a'.center(10**9) }}",
        "{{ 'a'.replace('a', 'aa') }}",
        "{{ (1).to_bytes(10**9, 'big') }}",
    ],
)
def test_string_formatting_and_padding_are_not_available(payload: str) -> None:
    with pytest.raises(TemplateRenderError, match="not allowed"):
        render_one(payload)


@pytest.mark.parametrize("name", ["center", "format", "indent", "replace", "batch", "slice", "wordwrap"])
def test_amplifying_filters_do_not_exist(name: str) -> None:
    with pytest.raises(TemplateRenderError, match=f"No filter named '{name}'"):
        render_one(f"{{{{ 'x'|{name}(10) }}}}")


@pytest.mark.parametrize(
    "payload",
    [
        "{% for x in range(10**9) %}{% endfor %}",
        "{% for x in range(1001) %}{% endfor %}",
        "{{ 'x' * 10**9 }}",
        "{{ [0] * 10**9 }}",
        "{{ 2 ** 100000 }}",
        "{{ 10**100**100**100 }}",
        "{{ (10**10000) * (10**10000) }}",
        "{% set a = 'x' * 60000 %}{{ a ~ a }}",
        "{% set a = 'x' * 60000 %}{{ a + a }}",
        # Loops over strings are not covered by the range cap; the step budget stops them.
        "{% set s = 'x' * 5000 %}{% for a in s %}{% for b in s %}{% endfor %}{% endfor %}",
        "{% macro f(n) %}{% if n %}{{ f(n - 1) }}{{ f(n - 1) }}{% endif %}{% endmacro %}{{ f(40) }}",
        # A block set that doubles itself on every line (issue 17: 22 lines made 67 million characters).
        "{% set a %}x{% endset %}\n" + "{% set a %}{{ a }}{{ a }}{% endset %}\n" * 30 + "{{ a|length }}",
        "{% macro m(x) %}{{ x }}{{ x }}{% endmacro %}{% set a = 'x' * 40000 %}{{ m(a) }}",
    ],
)
def test_runaway_templates_stop_quickly(payload: str) -> None:
    started = time.perf_counter()
    with pytest.raises(TemplateRenderError, match="limit exceeded"):
        render_one(payload)
    assert time.perf_counter() - started < 2


def test_an_expression_nested_too_deeply_is_a_syntax_error() -> None:
    with pytest.raises(TemplateRenderError, match="nested too deeply"):
        render_one("{{ " + "(" * 500 + "1" + ")" * 500 + " }}")


def test_a_block_set_that_stays_small_still_works() -> None:
    assert render_one("{% set a %}ab{% endset %}{% set a %}{{ a }}{{ a }}{% endset %}{{ a }}") == "abab"


def test_infinite_recursion_is_a_render_error() -> None:
    with pytest.raises(TemplateRenderError, match="recursion"):
        render_one("{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}")


def test_ordinary_loops_and_arithmetic_still_work() -> None:
    text = (
        "{% for i in range(3) %}{{ i * 2 + 1 }}{{ ' ' if not loop.last }}{% endfor %} {{ 7 % 3 }}{{ 2**3 }}"
    )
    assert render_one(text) == "1 3 5 18"
    assert (
        render_one("{{ '-' * 5 }}{{ name.upper() }}{{ name.split('o')|length }}", name="room") == "-----ROOM3"
    )


def test_output_is_capped_at_the_whatsapp_limit() -> None:
    with pytest.raises(TemplateRenderError, match="longer than 4096"):
        render_one("{% for i in range(500) %}0123456789{% endfor %}")
    assert len(render_one("{% for i in range(400) %}0123456789{% endfor %}")) == 4000


def test_limits_are_configurable() -> None:
    service = make_service(
        {"en": {"t": "{% for i in range(n) %}x{% endfor %}"}},
        limits=RenderLimits(max_output_length=10, max_range=20),
    )
    assert service.render("t", "en", {"n": 10}).text == "x" * 10
    with pytest.raises(TemplateRenderError, match="longer than 10"):
        service.render("t", "en", {"n": 11})
    with pytest.raises(TemplateRenderError, match="range"):
        service.render("t", "en", {"n": 21})


def test_includes_and_imports_have_nothing_to_load() -> None:
    with pytest.raises(TemplateRenderError):
        render_one('{% include "/etc/passwd" %}')
    with pytest.raises(TemplateRenderError):
        render_one('{% import "x" as y %}')


def test_autoescape_is_off_for_plain_text() -> None:
    assert render_one("{{ name }}", name="Tom & Jerry <3") == "Tom & Jerry <3"
