"""The plan's rollback triggers, judged on stable (baseline) vs canary over one window, and the report.

Triggers (thresholds in `config.Thresholds`):
- error_rate: canary (HTTP 5xx + guest messages that failed) / (requests + messages) above
  `error_rate_ratio` x baseline and at least `error_rate_min_delta` above it;
- p95_latency: canary P95 of HTTP request latency above `p95_ratio` x baseline and at least
  `p95_min_delta_seconds` above it;
- breaker_open: a canary process reports its PMS circuit breaker open;
- clarification_rate: the business signal, the share of guest turns answered with "please rephrase",
  more than `clarification_rate_max_delta` above baseline.
Rates and latency are judged only once the canary has `min_requests` requests (`min_turns` turns for the
business signal): a quiet canary is reported `insufficient_data`, not judged on noise. The breaker is
judged at any sample size: an open circuit is a fact, not a statistic.

The report (`.playbook/canary_diff_report.json`) is versioned: `schema_version` changes when a field
changes meaning or goes away; new fields may be added within a version. docs/deploy.md lists the fields.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from hotel_agent.ops.deploy.config import Thresholds
from hotel_agent.ops.deploy.metrics import ReleaseWindow

SCHEMA = "hotel-agent.canary-diff"
SCHEMA_VERSION = 1
Verdict = Literal["pass", "fail", "insufficient_data"]


@dataclass(frozen=True)
class Trigger:
    name: str
    fired: bool
    judged: bool  # False: not enough data to judge
    canary: float | None
    baseline: float | None
    limit: float | None  # the canary value above which it fires
    detail: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "fired": self.fired,
            "judged": self.judged,
            "canary": _round(self.canary),
            "baseline": _round(self.baseline),
            "limit": _round(self.limit),
            "detail": self.detail,
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 6)


def _relative(
    name: str,
    canary: float | None,
    baseline: float | None,
    ratio: float,
    min_delta: float,
    enough: bool,
    unit: str,
) -> Trigger:
    if not enough or canary is None:
        return Trigger(name, False, False, canary, baseline, None, "too few canary requests to judge")
    base = baseline or 0.0
    limit = max(base * ratio, base + min_delta)
    fired = canary > limit
    detail = f"canary {canary:.4g}{unit} vs baseline {base:.4g}{unit}; fires above {limit:.4g}{unit}"
    return Trigger(name, fired, True, canary, baseline, limit, detail)


def judge(stable: ReleaseWindow, canary: ReleaseWindow, thresholds: Thresholds) -> list[Trigger]:
    enough = canary.requests + canary.jobs >= thresholds.min_requests
    triggers = [
        _relative(
            "error_rate",
            canary.error_rate,
            stable.error_rate,
            thresholds.error_rate_ratio,
            thresholds.error_rate_min_delta,
            enough,
            "",
        ),
        _relative(
            "p95_latency",
            canary.p95_seconds,
            stable.p95_seconds,
            thresholds.p95_ratio,
            thresholds.p95_min_delta_seconds,
            enough and canary.requests >= thresholds.min_requests,
            "s",
        ),
    ]
    open_count = canary.breaker_open_processes
    triggers.append(
        Trigger(
            "breaker_open",
            thresholds.breaker_open_rolls_back and open_count > 0,
            True,
            float(open_count),
            float(stable.breaker_open_processes),
            0.0,
            f"{open_count} canary process(es) report the PMS circuit open "
            f"(stable: {stable.breaker_open_processes})",
        )
    )
    if canary.turns >= thresholds.min_turns and canary.clarification_rate is not None:
        base = stable.clarification_rate or 0.0
        limit = base + thresholds.clarification_rate_max_delta
        rate = canary.clarification_rate
        triggers.append(
            Trigger(
                "clarification_rate",
                rate > limit,
                True,
                rate,
                stable.clarification_rate,
                limit,
                f"canary asks to rephrase in {rate:.1%} of turns vs {base:.1%}; fires above {limit:.1%}",
            )
        )
    else:
        triggers.append(
            Trigger(
                "clarification_rate",
                False,
                False,
                canary.clarification_rate,
                stable.clarification_rate,
                None,
                f"too few canary turns to judge ({canary.turns:.0f} < {thresholds.min_turns})",
            )
        )
    return triggers


def verdict(triggers: list[Trigger]) -> Verdict:
    if any(trigger.fired for trigger in triggers):
        return "fail"
    # Error rate and latency are the ones a promotion needs judged; the business signal may stay quiet.
    core = [trigger for trigger in triggers if trigger.name in {"error_rate", "p95_latency"}]
    return "pass" if all(trigger.judged for trigger in core) else "insufficient_data"


def release_summary(name: str, data: ReleaseWindow, instances: int) -> dict[str, Any]:
    return {
        "release": name,
        "processes": instances,
        "unscraped": data.unscraped,
        "requests": int(data.requests),
        "http_5xx": int(data.errors),
        "messages_processed": int(data.jobs),
        "messages_failed": int(data.failed_jobs),
        "error_rate": _round(data.error_rate),
        "p95_latency_seconds": _round(data.p95_seconds),
        "breaker_open_processes": data.breaker_open_processes,
        "turns": int(data.turns),
        "clarifications": int(data.clarifications),
        "clarification_rate": _round(data.clarification_rate),
    }


def report(
    *,
    environment: str,
    canary_weight: int,
    window_seconds: float,
    stable: dict[str, Any],
    canary: dict[str, Any],
    triggers: list[Trigger],
    thresholds: Thresholds,
    action: str,
) -> dict[str, Any]:
    fired = [trigger.name for trigger in triggers if trigger.fired]
    return {
        "schema": SCHEMA,
        "schema_version": SCHEMA_VERSION,
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "environment": environment,
        "canary_weight": canary_weight,
        "window_seconds": round(window_seconds, 3),
        "stable": stable,
        "canary": canary,
        "thresholds": thresholds.model_dump(),
        "triggers": [trigger.as_dict() for trigger in triggers],
        "fired": fired,
        "verdict": verdict(triggers),
        "action": action,
    }
