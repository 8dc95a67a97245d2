"""Checks an operator's template before it can reach a guest (admin API, CI over the shipped catalog).

A report lists every problem found, each with a line number where one applies:
- `syntax`: the text does not parse or uses a filter that does not exist;
- `unknown_variable`: the text reads a variable that is not declared (a typo, or a variable the
  flow never passes), found statically with `jinja2.meta.find_undeclared_variables`;
- `render`: rendering the sample context failed (undefined variable, sandbox limit, None printed);
- `max_length`: the rendered sample is longer than the entry's WhatsApp limit;
- `language`: the language tag is not language[-region].
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

from jinja2 import TemplateSyntaxError, meta, nodes

from hotel_agent.message_templates.errors import TemplateRenderError
from hotel_agent.message_templates.formatting import LocaleFormatter
from hotel_agent.message_templates.languages import babel_locale, normalize_language
from hotel_agent.message_templates.sandbox import MessageEnvironment, RenderLimits
from hotel_agent.message_templates.source import TemplateSource

ProblemKind = Literal["syntax", "unknown_variable", "render", "max_length", "language"]


@dataclass(frozen=True, slots=True)
class ValidationProblem:
    kind: ProblemKind
    message: str
    line: int | None = None


@dataclass(frozen=True, slots=True)
class ValidationReport:
    """`rendered` is the sample rendered (None without a sample or when rendering failed)."""

    key: str
    language: str
    problems: tuple[ValidationProblem, ...]
    rendered: str | None = None

    @property
    def ok(self) -> bool:
        return not self.problems


def validate_entry(
    key: str,
    text: str,
    variables: Iterable[str],
    sample: Mapping[str, Any] | None,
    language: str,
    *,
    max_length: int | None = None,
    currency: str = "EUR",
    timezone: str = "Europe/Lisbon",
    limits: RenderLimits | None = None,
) -> ValidationReport:
    """Parse, check declared variables, render `sample` and check `max_length`; never raises for bad text."""
    tag = normalize_language(language)
    if tag is None:
        problem = ValidationProblem("language", f"{language!r} is not a language tag")
        return ValidationReport(key, language, (problem,))
    environment = _environment(limits or RenderLimits())
    try:
        tree = environment.parse(text)
        template = environment.compile_entry(text, key=key, language=tag)
    except TemplateSyntaxError as exc:
        return ValidationReport(key, tag, (ValidationProblem("syntax", exc.message or str(exc), exc.lineno),))
    except TemplateRenderError as exc:  # compile-time failures such as an unknown filter
        return ValidationReport(key, tag, (ValidationProblem("syntax", exc.reason, exc.line),))

    declared = set(variables)
    problems = _unknown_variables(tree, declared | environment.globals.keys(), declared)
    rendered = None
    if sample is not None:
        formatter = _formatter(tag, currency, timezone)
        try:
            rendered = environment.render_entry(template, sample, formatter, key=key, language=tag)
        except TemplateRenderError as exc:
            problems.append(ValidationProblem("render", exc.reason, exc.line))
    if rendered is not None and max_length is not None and len(rendered) > max_length:
        problems.append(
            ValidationProblem(
                "max_length",
                f"the sample renders to {len(rendered)} characters, over the limit of {max_length}",
            )
        )
    return ValidationReport(key, tag, tuple(problems), rendered)


def validate_catalog(
    source: TemplateSource,
    *,
    default_language: str = "en",
    currency: str = "EUR",
    timezone: str = "Europe/Lisbon",
    limits: RenderLimits | None = None,
) -> list[ValidationReport]:
    """Validate every entry. Translations borrow the sample and declared variables of the default language."""
    reports = []
    languages = sorted(source.languages())
    for key in sorted(source.keys()):
        entries = [entry for language in languages if (entry := source.get(key, language)) is not None]
        reference = source.get(key, default_language)
        samples = [entry.sample for entry in (reference, *entries) if entry is not None and entry.sample]
        for entry in entries:
            variables = entry.variables or (reference.variables if reference is not None else ())
            reports.append(
                validate_entry(
                    key,
                    entry.text,
                    variables,
                    entry.sample or (samples[0] if samples else None),
                    entry.language,
                    max_length=entry.max_length,
                    currency=currency,
                    timezone=timezone,
                    limits=limits,
                )
            )
    return reports


def _unknown_variables(tree: nodes.Template, known: set[str], declared: set[str]) -> list[ValidationProblem]:
    unknown = meta.find_undeclared_variables(tree) - known
    first_line: dict[str, int] = {}
    for name in tree.find_all(nodes.Name):
        if name.name in unknown and name.ctx == "load":
            first_line.setdefault(name.name, name.lineno)
    return [
        ValidationProblem("unknown_variable", _unknown_message(name, declared), first_line.get(name))
        for name in sorted(unknown)
    ]


def _unknown_message(name: str, declared: set[str]) -> str:
    """Names the closest declared variable, since most unknown names are typos of one."""
    message = f"{name!r} is used but not declared in `variables`"
    close = difflib.get_close_matches(name, sorted(declared), n=1, cutoff=0.6)
    if close:
        message += f"; did you mean {close[0]!r}?"
    elif declared:
        message += f" (declared: {', '.join(sorted(declared))})"
    return message


@lru_cache(maxsize=8)
def _environment(limits: RenderLimits) -> MessageEnvironment:
    return MessageEnvironment(limits)


@lru_cache(maxsize=32)
def _formatter(tag: str, currency: str, timezone: str) -> LocaleFormatter:
    return LocaleFormatter(babel_locale(tag), currency=currency, timezone=timezone)
