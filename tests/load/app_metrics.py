"""The app's own metrics during a load run: its /metrics pages, scraped every few seconds.

Targets are the web host's `/metrics` (all `serve --workers N` processes, multiprocess mode) and each
queue worker's `--metrics-port` (where the conversation, hence the PMS and its cache, runs for WhatsApp).
A sample keeps what the report needs: counters and histograms summed over targets (they are per process),
shared gauges as their max (queue lag, depth), process gauges per target (pool, memory).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any

from prometheus_client.parser import text_string_to_metric_families

COUNTERS = (
    "pms_cache_hits_total",
    "pms_cache_misses_total",
    "pms_requests_total",
    "pms_circuit_breaker_transitions_total",
    "http_requests_total",
    "hotel_agent_whatsapp_messages_processed_total",
    "hotel_agent_bot_bookings_total",
    "hotel_agent_whatsapp_outbound_total",
)
HISTOGRAMS = (
    "pms_request_duration_seconds",
    "http_request_duration_seconds",
    "hotel_agent_whatsapp_processing_seconds",
)
SHARED_GAUGES = (
    "hotel_agent_whatsapp_queue_depth",
    "hotel_agent_whatsapp_queue_lag_seconds",
    "hotel_agent_whatsapp_dead_letters",
    "pms_circuit_breaker_state",
    "hotel_agent_redis_used_memory_bytes",
)
PROCESS_GAUGES = (
    "hotel_agent_db_pool_in_use",
    "hotel_agent_db_pool_size",
    "hotel_agent_process_resident_memory_bytes",
)
# Template renders that mean the hotel had nothing to offer (a sold-out hotel flatters every number).
SOLD_OUT_KEYS = ("availability.none", "availability.requested_type_unavailable")


@dataclass
class Sample:
    at: float
    counters: dict[str, float] = field(default_factory=dict)  # "name{label=value,...}" -> value
    buckets: dict[str, dict[float, float]] = field(default_factory=dict)  # histogram -> le -> count
    gauges: dict[str, float] = field(default_factory=dict)
    per_target: dict[str, dict[str, float]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "at": self.at,
            "counters": self.counters,
            "buckets": {name: {str(le): n for le, n in b.items()} for name, b in self.buckets.items()},
            "gauges": self.gauges,
            "per_target": self.per_target,
            "errors": self.errors,
        }


def _key(name: str, labels: dict[str, str], keep: tuple[str, ...]) -> str:
    kept = ",".join(f"{label}={labels[label]}" for label in keep if label in labels)
    return f"{name}{{{kept}}}" if kept else name


LABELS = {
    "pms_cache_hits_total": ("kind",),
    "pms_cache_misses_total": ("kind",),
    "pms_requests_total": ("operation", "outcome"),
    "pms_circuit_breaker_transitions_total": ("from_state", "to_state"),
    "http_requests_total": ("route", "status"),
    "hotel_agent_whatsapp_messages_processed_total": ("outcome",),
    "hotel_agent_bot_bookings_total": ("action",),
    "hotel_agent_whatsapp_outbound_total": ("result",),
    "hotel_agent_template_renders_total": ("key",),
}
HISTOGRAM_ROUTES = {"http_request_duration_seconds": ("/webhooks/whatsapp", "/api/v1/messages")}


def parse_into(sample: Sample, target: str, text: str) -> None:
    own: dict[str, float] = {}
    for family in text_string_to_metric_families(text):
        for metric in family.samples:
            name, labels, value = metric.name, metric.labels, metric.value
            if name.endswith("_created") or math.isnan(value):
                continue
            if name in COUNTERS or (
                name == "hotel_agent_template_renders_total" and labels.get("key") in SOLD_OUT_KEYS
            ):
                key = _key(name, labels, LABELS.get(name, ()))
                sample.counters[key] = sample.counters.get(key, 0.0) + value
            elif name.endswith("_bucket") and name.removesuffix("_bucket") in HISTOGRAMS:
                base = name.removesuffix("_bucket")
                routes = HISTOGRAM_ROUTES.get(base)
                if routes is not None:
                    if labels.get("route") not in routes:
                        continue
                    base = f"{base}{{route={labels['route']}}}"
                le = float(labels["le"])
                buckets = sample.buckets.setdefault(base, {})
                buckets[le] = buckets.get(le, 0.0) + value
            elif name in SHARED_GAUGES:
                sample.gauges[name] = max(sample.gauges.get(name, value), value)
            elif name in PROCESS_GAUGES:
                own[name] = own.get(name, 0.0) + value
    sample.per_target[target] = own


def scrape(targets: dict[str, str], get: Any) -> Sample:
    """One sample of every target; `get(url)` returns the page text (the caller's HTTP client)."""
    sample = Sample(at=time.time())
    for name, url in targets.items():
        try:
            parse_into(sample, name, get(url))
        except Exception as exc:  # a target that cannot be read is reported, the run goes on
            sample.errors.append(f"{name}: {type(exc).__name__}: {exc}")
    return sample


def delta(first: dict[str, Any], last: dict[str, Any], prefix: str) -> dict[str, float]:
    """Counter increases over the run, for the keys starting with `prefix`."""
    return {
        key: last["counters"][key] - first["counters"].get(key, 0.0)
        for key in last["counters"]
        if key.startswith(prefix)
    }


def histogram_quantiles(
    first: dict[str, Any], last: dict[str, Any], name: str, quantiles: tuple[float, ...] = (0.5, 0.95, 0.99)
) -> dict[str, float | None]:
    """Quantiles (ms) of what a histogram observed during the run, interpolated inside buckets as
    Prometheus's histogram_quantile does; None without observations."""
    now = {float(le): n for le, n in last["buckets"].get(name, {}).items()}
    before = {float(le): n for le, n in first["buckets"].get(name, {}).items()}
    counts = sorted((le, now[le] - before.get(le, 0.0)) for le in now)
    result: dict[str, float | None] = {}
    total = counts[-1][1] if counts else 0.0
    for q in quantiles:
        label = f"p{round(q * 100)}"
        if total <= 0:
            result[label] = None
            continue
        rank = q * total
        lower_le, lower_count = 0.0, 0.0
        value = None
        for le, count in counts:
            if count >= rank:
                if math.isinf(le):
                    value = lower_le
                else:
                    span = count - lower_count
                    value = lower_le + (le - lower_le) * ((rank - lower_count) / span if span else 1.0)
                break
            lower_le, lower_count = le, count
        result[label] = None if value is None else round(value * 1000, 1)
    result["count"] = total
    return result
