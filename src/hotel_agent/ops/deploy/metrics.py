"""Each release's numbers from its own processes' /metrics, as the difference over a window.

A snapshot sums, over the release's processes, the counters the triggers need; `window` subtracts two
snapshots (a process restarted in between counts from zero, as Prometheus' `increase` does). A process
that cannot be scraped is listed, not guessed.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field

import httpx
from prometheus_client.parser import text_string_to_metric_families

from hotel_agent.ops.deploy.state import Instance

HTTP_REQUESTS = "http_requests"
HTTP_DURATION = "http_request_duration_seconds"
BREAKER_STATE = "pms_circuit_breaker_state"
TURNS = "hotel_agent_conversation_turns"
CLARIFICATIONS = "hotel_agent_conversation_clarifications"
JOBS = "hotel_agent_whatsapp_messages_processed"
BREAKER_OPEN = 1.0


@dataclass
class ProcessSample:
    """The counters of one process at one moment."""

    requests: float = 0.0
    errors: float = 0.0  # HTTP 5xx
    buckets: dict[float, float] = field(default_factory=dict)  # le -> cumulative count
    breaker_open: bool = False  # any circuit of the process reported open (state 1)
    turns: float = 0.0
    clarifications: float = 0.0
    jobs: float = 0.0
    failed_jobs: float = 0.0  # guest messages that ended in retry or dead letter


def parse(text: str, ignored_routes: Iterable[str]) -> ProcessSample:
    ignored = set(ignored_routes)
    sample = ProcessSample()
    for family in text_string_to_metric_families(text):
        for metric in family.samples:
            labels = metric.labels
            if labels.get("route") in ignored:
                continue
            if metric.name == f"{HTTP_REQUESTS}_total":
                sample.requests += metric.value
                if labels.get("status", "").startswith("5"):
                    sample.errors += metric.value
            elif metric.name == f"{HTTP_DURATION}_bucket":
                le = float(labels["le"])
                sample.buckets[le] = sample.buckets.get(le, 0.0) + metric.value
            elif metric.name == BREAKER_STATE:
                sample.breaker_open = sample.breaker_open or metric.value == BREAKER_OPEN
            elif metric.name == f"{TURNS}_total":
                sample.turns += metric.value
            elif metric.name == f"{CLARIFICATIONS}_total":
                sample.clarifications += metric.value
            elif metric.name == f"{JOBS}_total":
                sample.jobs += metric.value
                if labels.get("outcome") in {"retry", "dead"}:
                    sample.failed_jobs += metric.value
    return sample


def scrape(
    instances: list[Instance], ignored_routes: Iterable[str]
) -> tuple[dict[int, ProcessSample], list[str]]:
    """Samples by process id; plus the processes that could not be scraped (and why)."""
    samples: dict[int, ProcessSample] = {}
    missing: list[str] = []
    with httpx.Client(timeout=5) as client:
        for instance in instances:
            try:
                response = client.get(f"{instance.url}/metrics")
                response.raise_for_status()
            except httpx.HTTPError as exc:
                missing.append(f"{instance.role}:{instance.port} {type(exc).__name__}")
                continue
            samples[instance.pid] = parse(response.text, ignored_routes)
    return samples, missing


def _increase(before: float | None, after: float) -> float:
    if before is None or after < before:
        return after  # a new process, or one restarted: everything it counted is new
    return after - before


@dataclass
class ReleaseWindow:
    """What one release did over the window."""

    requests: float = 0.0
    errors: float = 0.0
    buckets: dict[float, float] = field(default_factory=dict)
    breaker_open_processes: int = 0
    turns: float = 0.0
    clarifications: float = 0.0
    jobs: float = 0.0
    failed_jobs: float = 0.0
    unscraped: list[str] = field(default_factory=list)

    @property
    def error_rate(self) -> float | None:
        total = self.requests + self.jobs
        return (self.errors + self.failed_jobs) / total if total else None

    @property
    def clarification_rate(self) -> float | None:
        return self.clarifications / self.turns if self.turns else None

    @property
    def p95_seconds(self) -> float | None:
        return quantile(0.95, self.buckets)


def window(
    before: dict[int, ProcessSample], after: dict[int, ProcessSample], unscraped: list[str]
) -> ReleaseWindow:
    result = ReleaseWindow(unscraped=list(unscraped))
    for pid, end in after.items():
        start = before.get(pid)
        result.requests += _increase(start.requests if start else None, end.requests)
        result.errors += _increase(start.errors if start else None, end.errors)
        result.turns += _increase(start.turns if start else None, end.turns)
        result.clarifications += _increase(start.clarifications if start else None, end.clarifications)
        result.jobs += _increase(start.jobs if start else None, end.jobs)
        result.failed_jobs += _increase(start.failed_jobs if start else None, end.failed_jobs)
        for le, count in end.buckets.items():
            previous = start.buckets.get(le) if start else None
            result.buckets[le] = result.buckets.get(le, 0.0) + _increase(previous, count)
        if end.breaker_open:
            result.breaker_open_processes += 1
    return result


def quantile(q: float, buckets: dict[float, float]) -> float | None:
    """Prometheus' histogram_quantile on cumulative buckets: linear within the bucket it falls in."""
    if not buckets:
        return None
    bounds = sorted(buckets)
    total = buckets[bounds[-1]] if math.isinf(bounds[-1]) else max(buckets.values())
    if total <= 0:
        return None
    rank = q * total
    previous_bound, previous_count = 0.0, 0.0
    for bound in bounds:
        count = buckets[bound]
        if count >= rank:
            if math.isinf(bound):
                return previous_bound  # beyond the last finite bucket: its upper bound, as Prometheus does
            in_bucket = count - previous_count
            if in_bucket <= 0:
                return bound
            return previous_bound + (bound - previous_bound) * (rank - previous_count) / in_bucket
        previous_bound, previous_count = bound, count
    return bounds[-1]
