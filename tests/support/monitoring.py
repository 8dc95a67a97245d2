"""What the shipped monitoring queries: every PromQL expression of the dashboards, alert and recording
rules and `ops report`, and the metric names each one reads (parsed with promql-parser, not regexes)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import promql_parser
import yaml
from prometheus_client import REGISTRY

from hotel_agent.ops.dashboards import DASHBOARDS
from hotel_agent.ops.dashboards.model import PromQuery
from hotel_agent.ops.report import PROMQL

ROOT = Path(__file__).resolve().parents[2]
PROMETHEUS_DIR = ROOT / "deploy" / "prometheus"
RULE_FILES = sorted((PROMETHEUS_DIR / "alerts").glob("*.yml"))
# Grafana's variables, as a 15 s scrape interval and a 1 hour range make them.
GRAFANA_VARIABLES = {"$__rate_interval": "1m", "$__range": "1h", "$__interval": "15s"}
HISTOGRAM_SUFFIXES = ("_bucket", "_sum", "_count")


@dataclass(frozen=True)
class Expression:
    where: str  # "App: Requests per second by route", "alert PMSCircuitBreakerOpen", ...
    promql: str


def grafana_to_promql(expr: str) -> str:
    for variable, value in GRAFANA_VARIABLES.items():
        expr = expr.replace(variable, value)
    return expr


def selectors(promql: str) -> set[str]:
    """The metric (or recording rule) names an expression selects."""
    names: set[str] = set()

    def visit(node: Any) -> None:
        if isinstance(node, promql_parser.VectorSelector) and node.name:
            names.add(node.name)

    promql_parser.walk(promql_parser.parse(promql), visit)
    return names


def rules() -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for path in RULE_FILES:
        for group in yaml.safe_load(path.read_text())["groups"]:
            found.extend(group["rules"])
    return found


def recording_rules() -> dict[str, str]:
    return {rule["record"]: rule["expr"] for rule in rules() if "record" in rule}


DASHBOARD_ABBREVIATIONS = {
    "hotel-agent-application": "App",
    "hotel-agent-pms": "PMS",
    "hotel-agent-business": "Biz",
}


def dashboard_expressions() -> list[Expression]:
    return [
        Expression(f"{DASHBOARD_ABBREVIATIONS[dashboard.uid]}: {panel.title}", grafana_to_promql(query.expr))
        for dashboard in DASHBOARDS
        for panel in dashboard.panels
        for query in panel.queries
        if isinstance(query, PromQuery)
    ]


def rule_expressions() -> list[Expression]:
    return [
        Expression(f"alert {rule['alert']}" if "alert" in rule else f"record {rule['record']}", rule["expr"])
        for rule in rules()
    ]


def report_expressions(window: str = "1h") -> list[Expression]:
    return [Expression(f"report {name}", template.format(w=window)) for name, template in PROMQL.items()]


def all_expressions() -> list[Expression]:
    return dashboard_expressions() + rule_expressions() + report_expressions()


def metrics_read(promql: str) -> set[str]:
    """The app's metric names an expression reads, through recording rules, histogram series folded
    into the histogram's name (`x_bucket` -> `x`)."""
    records = recording_rules()
    found: set[str] = set()
    pending = list(selectors(promql))
    while pending:
        name = pending.pop()
        if name in records:
            pending.extend(selectors(records[name]))
            continue
        found.add(name)
    return found


def family_name(series: str, histograms: set[str]) -> str:
    for suffix in HISTOGRAM_SUFFIXES:
        if series.endswith(suffix) and series.removesuffix(suffix) in histograms:
            return series.removesuffix(suffix)
    return series


def declared_metrics() -> dict[str, str]:
    """Every metric the app's code declares (name as exported -> type), web and worker modules loaded."""
    import hotel_agent.app
    import hotel_agent.worker  # noqa: F401

    declared: dict[str, str] = {}
    for family in REGISTRY.collect():
        if family.name.startswith(("python_", "process_")):
            continue
        name = f"{family.name}_total" if family.type == "counter" else family.name
        declared[name] = family.type
    return declared
