"""The PMS integration dashboard: calls and latency per operation, errors by kind, breaker, cache."""

from __future__ import annotations

from hotel_agent.ops.dashboards.model import Dashboard, Kind, Panel, PromQuery, Row

RATE = "$__rate_interval"
FAILED = 'outcome=~"unavailable|circuit_open|error"'
HITS = f"sum(rate(pms_cache_hits_total[{RATE}]))"
MISSES = f"sum(rate(pms_cache_misses_total[{RATE}]))"

CALLS = Row(
    "Calls",
    (
        Panel(
            "Calls by outcome",
            "PMS calls per second by outcome: success, request_error (the PMS answered no: no "
            "availability, booking not found), unavailable (timeouts, connection errors, 5xx), "
            "circuit_open (refused by the open breaker), error. Cache hits are not calls.",
            "reqps",
            (PromQuery(f"sum by (outcome) (rate(pms_requests_total[{RATE}]))", "{{outcome}}"),),
            stacked=True,
        ),
        Panel(
            "Failure ratio",
            "Share of PMS calls that failed (unavailable, circuit_open, error) over all calls. Alert "
            "PMSHighErrorRate fires above 10% for 2 minutes.",
            "percentunit",
            (
                PromQuery(
                    f"sum(rate(pms_requests_total{{{FAILED}}}[{RATE}]))"
                    f" / sum(rate(pms_requests_total[{RATE}]))",
                    "failed share",
                ),
            ),
            min_value=0,
            max_value=1,
        ),
        Panel(
            "Latency per operation",
            "p50 and p95 time of the calls that reached the PMS, per operation (availability, "
            "create_booking, ...). Calls refused by the breaker take no time and are not in it.",
            "s",
            tuple(
                PromQuery(
                    f"histogram_quantile({q}, sum by (le, operation) "
                    f"(rate(pms_request_duration_seconds_bucket[{RATE}])))",
                    f"{{{{operation}}}} p{int(q * 100)}",
                )
                for q in (0.5, 0.95)
            ),
        ),
        Panel(
            "Errors by kind",
            "Failed PMS calls per second by operation and error kind (pms_unavailable, circuit_open, "
            "no_availability, booking_not_found, ...); business answers are included here.",
            "cps",
            (
                PromQuery(
                    f"sum by (operation, kind) (rate(pms_errors_total[{RATE}]))", "{{operation}} {{kind}}"
                ),
            ),
        ),
    ),
)

BREAKER = Row(
    "Circuit breaker",
    (
        Panel(
            "Breaker state timeline",
            "The shared PMS circuit breaker: closed (calls go through), open (calls refused for the "
            "recovery time), half-open (one trial call allowed). Alert PMSCircuitBreakerOpen fires when it "
            "is not closed for 1 minute.",
            "short",
            (PromQuery("max(pms_circuit_breaker_state)", "breaker"),),
            kind=Kind.STATE_TIMELINE,
            width=16,
            mappings=((0, "closed", "green"), (1, "open", "red"), (2, "half-open", "orange")),
        ),
        Panel(
            "Breaker transitions",
            "Breaker transitions in the selected range by from and to state, summed over processes.",
            "short",
            (
                PromQuery(
                    "sum by (from_state, to_state) "
                    "(increase(pms_circuit_breaker_transitions_total[$__range]))",
                    "{{from_state}} → {{to_state}}",
                ),
            ),
            kind=Kind.STAT,
            width=8,
        ),
    ),
)

CACHE = Row(
    "Cache",
    (
        Panel(
            "Cache hit rate",
            "Share of PMS reads answered from the shared cache. The daily check wants > 70%; alert "
            "PMSCacheHitRateLow fires below it for 15 minutes.",
            "percentunit",
            (PromQuery(f"{HITS} / ({HITS} + {MISSES})", "hit rate"),),
            min_value=0,
            max_value=1,
        ),
        Panel(
            "Cache hits and misses by kind",
            "PMS reads per second answered from the cache (hit) or sent to the PMS (miss), by what was "
            "read (availability, profile, room_types, ...).",
            "cps",
            (
                PromQuery(f"sum by (kind) (rate(pms_cache_hits_total[{RATE}]))", "hit {{kind}}"),
                PromQuery(f"sum by (kind) (rate(pms_cache_misses_total[{RATE}]))", "miss {{kind}}"),
            ),
        ),
    ),
)

PMS = Dashboard(
    uid="hotel-agent-pms",
    title="hotel-agent: PMS integration",
    description="Calls to the hotel's PMS: outcomes, latency per operation, errors by kind, the circuit "
    "breaker and the shared read cache.",
    rows=(CALLS, BREAKER, CACHE),
)
