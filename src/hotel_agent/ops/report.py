"""`hotel-agent ops report`: the plan's automated daily checks (C.6), pass/fail, non-zero on a failure.

From Prometheus (PROMETHEUS_URL, over the last `window`) when set, else from one app's own /metrics
(totals since that process started). Thresholds: error rate < 1%, breaker closed, cache hit rate > 70%,
queue lag < 60 s, no dead letters, automation rate >= 60%.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Annotated

import httpx
import typer
from prometheus_client.parser import text_string_to_metric_families

ops_app = typer.Typer(
    help="Operations: the daily health report, the Grafana dashboards.", no_args_is_help=True
)


@dataclass
class Check:
    name: str
    value: float | None
    threshold: str
    ok: bool
    detail: str


def _judge(name: str, value: float | None, threshold: str, test: Callable[[float], bool]) -> Check:
    if value is None or math.isnan(value):
        return Check(name, None, threshold, True, "no data (nothing to judge yet)")
    return Check(name, value, threshold, test(value), "")


def checks_from(values: dict[str, float | None]) -> list[Check]:
    return [
        _judge("error_rate", values["error_rate"], "< 0.01", lambda v: v < 0.01),
        _judge("pms_error_rate", values["pms_error_rate"], "< 0.10", lambda v: v < 0.10),
        _judge("breaker_closed", values["breaker_state"], "== 0", lambda v: v == 0),
        _judge("cache_hit_rate", values["cache_hit_rate"], "> 0.70", lambda v: v > 0.70),
        _judge("queue_lag_seconds", values["queue_lag"], "< 60", lambda v: v < 60),
        _judge("dead_letters", values["dead_letters"], "== 0", lambda v: v == 0),
        _judge("automation_rate", values["automation_rate"], ">= 0.60", lambda v: v >= 0.60),
    ]


def _ratio(numerator: float, denominator: float) -> float | None:
    return numerator / denominator if denominator > 0 else None


def values_from_exposition(text: str) -> dict[str, float | None]:
    """Totals since the process started, from one /metrics page."""
    sums: dict[str, float] = {}
    gauges: dict[str, float] = {}
    errors = http_total = pms_failed = 0.0
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name.endswith("_created"):
                continue
            sums[sample.name] = sums.get(sample.name, 0.0) + sample.value
            gauges[sample.name] = max(gauges.get(sample.name, sample.value), sample.value)
            if sample.name == "http_requests_total" and sample.labels.get("status", "").startswith("5"):
                errors += sample.value
            if sample.name == "http_requests_total":
                http_total += sample.value
            if sample.name == "pms_requests_total" and sample.labels.get("outcome") in {
                "unavailable",
                "circuit_open",
                "error",
            }:
                pms_failed += sample.value
    hits, misses = sums.get("pms_cache_hits_total", 0.0), sums.get("pms_cache_misses_total", 0.0)
    goals = sums.get("hotel_agent_goals_completed_total", 0.0)
    handoffs = sums.get("hotel_agent_handoffs_requested_total", 0.0)
    return {
        "error_rate": _ratio(errors, http_total),
        "pms_error_rate": _ratio(pms_failed, sums.get("pms_requests_total", 0.0)),
        "breaker_state": gauges.get("pms_circuit_breaker_state"),
        "cache_hit_rate": _ratio(hits, hits + misses),
        "queue_lag": gauges.get("hotel_agent_whatsapp_queue_lag_seconds"),
        "dead_letters": gauges.get("hotel_agent_whatsapp_dead_letters"),
        "automation_rate": _ratio(goals, goals + handoffs),
    }


PROMQL = {
    "error_rate": 'sum(increase(http_requests_total{{status=~"5.."}}[{w}]))'
    " / sum(increase(http_requests_total[{w}]))",
    "pms_error_rate": 'sum(increase(pms_requests_total{{outcome=~"unavailable|circuit_open|error"}}[{w}]))'
    " / sum(increase(pms_requests_total[{w}]))",
    "breaker_state": "max(pms_circuit_breaker_state)",
    "cache_hit_rate": "sum(increase(pms_cache_hits_total[{w}])) / (sum(increase(pms_cache_hits_total[{w}]))"
    " + sum(increase(pms_cache_misses_total[{w}])))",
    "queue_lag": "max(hotel_agent_whatsapp_queue_lag_seconds)",
    "dead_letters": "max(hotel_agent_whatsapp_dead_letters)",
    "automation_rate": "sum(increase(hotel_agent_goals_completed_total[{w}])) / (sum(increase("
    "hotel_agent_goals_completed_total[{w}])) + sum(increase(hotel_agent_handoffs_requested_total[{w}])))",
}


def values_from_prometheus(base_url: str, window: str, client: httpx.Client) -> dict[str, float | None]:
    values: dict[str, float | None] = {}
    for name, template in PROMQL.items():
        response = client.get(
            f"{base_url.rstrip('/')}/api/v1/query", params={"query": template.format(w=window)}
        )
        response.raise_for_status()
        result = response.json()["data"]["result"]
        values[name] = float(result[0]["value"][1]) if result else None
    return values


@ops_app.command("report")
def report(
    url: Annotated[str, typer.Option(help="The app whose /metrics to read when PROMETHEUS_URL is unset.")] = (
        "http://127.0.0.1:8000"
    ),
    window: Annotated[str, typer.Option(help="Prometheus range for rates (e.g. 1d, 24h).")] = "1d",
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """The daily checks, pass/fail each; exits 1 when any fails, 2 when the source cannot be read."""
    prometheus = os.environ.get("PROMETHEUS_URL")
    try:
        with httpx.Client(timeout=10) as client:
            if prometheus:
                values, source = values_from_prometheus(prometheus, window, client), prometheus
            else:
                response = client.get(f"{url.rstrip('/')}/metrics")
                response.raise_for_status()
                values, source = values_from_exposition(response.text), f"{url.rstrip('/')}/metrics"
    except (httpx.HTTPError, KeyError, ValueError) as exc:
        typer.echo(f"cannot read metrics: {type(exc).__name__}: {exc}", err=True)
        raise typer.Exit(2) from exc
    checks = checks_from(values)
    failed = [check.name for check in checks if not check.ok]
    if as_json:
        typer.echo(json.dumps({"source": source, "ok": not failed, "checks": [asdict(c) for c in checks]}))
    else:
        typer.echo(f"daily checks from {source}")
        for check in checks:
            shown = "-" if check.value is None else f"{check.value:.4g}"
            typer.echo(
                f"  {'PASS' if check.ok else 'FAIL'}  {check.name:<18} {shown:>10}"
                f"  ({check.threshold}) {check.detail}"
            )
        typer.echo("all checks passed" if not failed else f"failed: {', '.join(failed)}")
    if failed:
        raise typer.Exit(1)
