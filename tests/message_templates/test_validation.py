"""validate_entry / validate_catalog: what the admin API will show an operator before a text goes live."""

from __future__ import annotations

import datetime as dt

from hotel_agent.message_templates import (
    InMemoryTemplateSource,
    TemplateEntry,
    ValidationProblem,
    YamlTemplateSource,
    validate_catalog,
    validate_entry,
)

SAMPLE = {"nights": 2, "checkin": dt.date(2027, 1, 15), "name": "Ana"}


def test_a_good_entry_renders_its_sample() -> None:
    report = validate_entry(
        "stay.summary",
        "Hola {{ name }}: {{ plural(nights, one='# noche', other='# noches') }}"
        " desde el {{ checkin|date('d MMM') }}",
        ["nights", "checkin", "name"],
        SAMPLE,
        "es",
    )
    assert report.ok
    assert report.problems == ()
    assert report.rendered == "Hola Ana: 2 noches desde el 15 ene"
    assert (report.key, report.language) == ("stay.summary", "es")


def test_unknown_variables_are_reported_with_their_line() -> None:
    text = "Hello {{ name }}\n{% for room in rooms %}{{ room }} {{ nigths }}{% endfor %}\n{{ name }}"
    report = validate_entry("t", text, ["name", "nights"], None, "en")
    assert report.problems == (
        ValidationProblem(
            "unknown_variable",
            "'nigths' is used but not declared in `variables`; did you mean 'nights'?",
            2,
        ),
        ValidationProblem(
            "unknown_variable", "'rooms' is used but not declared in `variables` (declared: name, nights)", 2
        ),
    )
    assert report.rendered is None  # no sample, nothing rendered


def test_globals_loop_variables_and_set_variables_are_not_unknown() -> None:
    text = (
        "{% set total = 3 %}{% for i in range(total) %}{{ loop.index }}{% endfor %}"
        "{{ plural(total, one='#', other='#') }}"
    )
    assert validate_entry("t", text, [], {}, "en").ok


def test_syntax_errors_are_reported_with_their_line() -> None:
    report = validate_entry("t", "Hello\n{% if name %}\nno end", ["name"], SAMPLE, "en")
    assert not report.ok
    [problem] = report.problems
    assert problem.kind == "syntax"
    assert problem.line == 3
    assert "endif" in problem.message


def test_unknown_filters_are_syntax_errors() -> None:
    [problem] = validate_entry("t", "A\nB {{ name|shout }}", ["name"], SAMPLE, "en").problems
    assert (problem.kind, problem.line) == ("syntax", 2)
    assert "No filter named 'shout'" in problem.message


def test_render_failures_against_the_sample_are_reported() -> None:
    report = validate_entry(
        "t", "Line one\n{{ nights|money }} {{ guests }}", ["nights", "guests"], SAMPLE, "en"
    )
    assert report.problems == (ValidationProblem("render", "undefined variable: 'guests' is undefined", 2),)


def test_sandbox_violations_are_render_problems() -> None:
    [problem] = validate_entry("t", "{{ name.__class__ }}", ["name"], SAMPLE, "en").problems
    assert problem.kind == "render"
    assert "not allowed" in problem.message


def test_max_length_is_checked_on_the_rendered_sample() -> None:
    report = validate_entry(
        "buttons.room", "Room for {{ name }} and friends", ["name"], SAMPLE, "en", max_length=20
    )
    assert report.rendered == "Room for Ana and friends"
    assert report.problems == (
        ValidationProblem("max_length", "the sample renders to 24 characters, over the limit of 20"),
    )
    assert validate_entry("buttons.yes", "Sí", [], {}, "es", max_length=20).ok


def test_several_problems_are_reported_together() -> None:
    sample = {"name": "Ana", "typo": "x"}
    report = validate_entry("t", "{{ name }} {{ typo }}", ["name"], sample, "en", max_length=3)
    assert [problem.kind for problem in report.problems] == ["unknown_variable", "max_length"]


def test_an_invalid_language_is_a_problem() -> None:
    assert validate_entry("t", "x", [], {}, "english").problems[0].kind == "language"


def test_validation_uses_the_language_formatting() -> None:
    report = validate_entry(
        "t",
        "{{ nights|money }} {{ plural(0, one='# noite', other='# noites') }}",
        ["nights"],
        SAMPLE,
        "pt-BR",
    )
    assert report.rendered == "€\xa02,00 0 noite"


def test_the_fixture_catalog_validates_with_english_samples_for_translations(
    yaml_source: YamlTemplateSource,
) -> None:
    reports = validate_catalog(yaml_source)
    assert [(report.key, report.language) for report in reports if not report.ok] == []
    rendered = {(report.key, report.language): report.rendered for report in reports}
    # The Spanish file has no sample: the English one is used.
    assert rendered[("availability.success", "es")] is not None
    assert rendered[("availability.success", "es")].startswith("Tenemos 2 opciones")  # type: ignore[union-attr]
    assert len(reports) == len(yaml_source)


def test_validate_catalog_reports_translations_with_undeclared_variables() -> None:
    source = InMemoryTemplateSource(
        [
            TemplateEntry("t", "en", "Hi {{ name }}", "c", variables=("name",), sample={"name": "Ana"}),
            TemplateEntry("t", "es", "Hola {{ nombre }}", "c"),
        ]
    )
    [english, spanish] = validate_catalog(source)
    assert english.ok
    assert [problem.kind for problem in spanish.problems] == ["unknown_variable", "render"]
