"""Prometheus metrics of the template service, on the default registry."""

from __future__ import annotations

from prometheus_client import Counter

TEMPLATE_MISSING = Counter(
    "hotel_agent_template_missing_total",
    "Renders that fell back to another language because the requested one has no translation.",
    ["key", "language"],
)


def record_missing(key: str, language: str) -> None:
    TEMPLATE_MISSING.labels(key=key, language=language).inc()
