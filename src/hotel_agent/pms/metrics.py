"""Prometheus metrics for every PMS adapter, on the default registry.

Names are the ones the plan's dashboards and alerts use (`pms_errors_total`, `pms_circuit_breaker_state`).
`pms_requests_total` and the duration histogram count calls that reached the PMS or were refused by the
breaker (`outcome="circuit_open"`); answers served from the cache only move the cache counters, so the
PMS panels show PMS traffic and the cache panel shows the hit rate.
"""

from __future__ import annotations

import re

from prometheus_client import Counter, Gauge, Histogram

from hotel_agent.kit.circuit_breaker import CircuitState
from hotel_agent.pms.errors import PmsCircuitOpenError, PmsRequestError, PmsUnavailableError

PMS_REQUESTS = Counter(
    "pms_requests_total",
    "PMS calls by operation and outcome (success, request_error, unavailable, circuit_open, error).",
    ["operation", "outcome"],
)
PMS_ERRORS = Counter(
    "pms_errors_total",
    "Failed PMS calls by operation and error kind (e.g. pms_unavailable, no_availability).",
    ["operation", "kind"],
)
PMS_DURATION = Histogram(
    "pms_request_duration_seconds",
    "Time spent in PMS calls that reached the PMS.",
    ["operation"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
# Every replica reads the same shared circuit, so the most recent observation is the truth.
PMS_CIRCUIT_STATE = Gauge(
    "pms_circuit_breaker_state",
    "PMS circuit breaker state: 0 closed, 1 open, 2 half-open.",
    multiprocess_mode="livemostrecent",
)
PMS_CIRCUIT_TRANSITIONS = Counter(
    "pms_circuit_breaker_transitions_total",
    "PMS circuit breaker transitions made by this process.",
    ["from_state", "to_state"],
)
PMS_CACHE_HITS = Counter("pms_cache_hits_total", "PMS reads answered from the shared cache.", ["kind"])
PMS_CACHE_MISSES = Counter("pms_cache_misses_total", "PMS reads that had to ask the PMS.", ["kind"])

_CAMEL = re.compile(r"(?<!^)(?=[A-Z])")


def error_kind(exc: BaseException) -> str:
    """`NoAvailabilityError` -> `no_availability`: a small, stable label set."""
    return _CAMEL.sub("_", type(exc).__name__.removesuffix("Error")).lower() or "error"


def outcome_of(exc: BaseException | None) -> str:
    if exc is None:
        return "success"
    if isinstance(exc, PmsCircuitOpenError):
        return "circuit_open"
    if isinstance(exc, PmsUnavailableError):
        return "unavailable"
    if isinstance(exc, PmsRequestError):
        return "request_error"
    return "error"


def record_call(operation: str, exc: BaseException | None, duration: float | None) -> None:
    """Count one call; `duration` is None when the PMS was not reached (circuit open)."""
    PMS_REQUESTS.labels(operation=operation, outcome=outcome_of(exc)).inc()
    if exc is not None:
        PMS_ERRORS.labels(operation=operation, kind=error_kind(exc)).inc()
    if duration is not None:
        PMS_DURATION.labels(operation=operation).observe(duration)


def record_circuit_state(state: CircuitState) -> None:
    PMS_CIRCUIT_STATE.set(int(state))


def record_circuit_transition(from_state: CircuitState, to_state: CircuitState) -> None:
    PMS_CIRCUIT_TRANSITIONS.labels(from_state=from_state.label, to_state=to_state.label).inc()


def record_cache(kind: str, *, hit: bool) -> None:
    (PMS_CACHE_HITS if hit else PMS_CACHE_MISSES).labels(kind=kind).inc()
