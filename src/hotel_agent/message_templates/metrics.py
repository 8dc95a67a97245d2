"""Prometheus metrics of the template service, on the default registry."""

from __future__ import annotations

from prometheus_client import Counter

TEMPLATE_RENDERS = Counter(
    "hotel_agent_template_renders_total",
    "Replies rendered, by template key and the language used.",
    ["key", "language"],
)


def record_render(key: str, language: str) -> None:
    TEMPLATE_RENDERS.labels(key=key, language=language).inc()


TEMPLATE_MISSING = Counter(
    "hotel_agent_template_missing_total",
    "Renders that fell back to another language because the requested one has no translation.",
    ["key", "language"],
)


def record_missing(key: str, language: str) -> None:
    TEMPLATE_MISSING.labels(key=key, language=language).inc()


TEMPLATE_RENDER_FAILURES = Counter(
    "hotel_agent_template_render_failures_total",
    "Renders whose current text failed at run time; outcome previous_version (an earlier good version "
    "was sent) or failed (no version rendered).",
    ["key", "language", "outcome"],
)


def record_render_failure(key: str, language: str, outcome: str) -> None:
    TEMPLATE_RENDER_FAILURES.labels(key=key, language=language, outcome=outcome).inc()
