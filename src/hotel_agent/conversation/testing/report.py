"""The pass/fail report: one line per conversation, the first divergence of each failure, totals."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from hotel_agent.conversation.testing.runner import Outcome


@dataclass
class Totals:
    run: int
    passed: int
    skipped: int
    wrong_bookings: int
    by_language: dict[str, tuple[int, int]]  # language -> (passed, run)

    @property
    def failed(self) -> int:
        return self.run - self.passed


def totals(outcomes: list[Outcome]) -> Totals:
    by_language: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    run = passed = skipped = wrong = 0
    for outcome in outcomes:
        if outcome.skipped:
            skipped += 1
            continue
        run += 1
        counts = by_language[outcome.language or "?"]
        counts[1] += 1
        if outcome.passed:
            passed += 1
            counts[0] += 1
        wrong += outcome.wrong_booking
    return Totals(
        run=run,
        passed=passed,
        skipped=skipped,
        wrong_bookings=wrong,
        by_language={language: (c[0], c[1]) for language, c in sorted(by_language.items())},
    )


def render(outcomes: list[Outcome], *, details: bool = True) -> str:
    """Human-readable; `details=False` prints only the numbers (a blind set's failures stay unread)."""
    lines: list[str] = []
    if details:
        for outcome in outcomes:
            if outcome.skipped:
                lines.append(f"SKIP {outcome.name}: {outcome.skipped}")
            elif outcome.passed:
                lines.append(f"PASS {outcome.name}")
            else:
                lines.append(f"FAIL {outcome.name}{'  [wrong booking]' if outcome.wrong_booking else ''}")
                divergence = outcome.divergence
                if divergence is not None:
                    where = f"turn {divergence.turn}" if divergence.turn is not None else "PMS"
                    lines.append(f"     at {where}: {divergence.what}")
                    if divergence.guest is not None:
                        lines.append(f"     guest: {divergence.guest}")
                    for text in divergence.bot:
                        lines.append("     bot:   " + text.replace("\n", " / ")[:300])
    summary = totals(outcomes)
    unchecked = sorted({item.split(": ")[-1] for outcome in outcomes for item in outcome.unchecked})
    lines.append("")
    for language, (passed, run) in summary.by_language.items():
        lines.append(f"task success {language}: {passed}/{run} ({100 * passed / run:.1f}%)")
    lines.append(
        f"{summary.passed} passed, {summary.failed} failed"
        + (f", {summary.skipped} skipped" if summary.skipped else "")
    )
    lines.append(f"confirmed bookings that differ from what the guest asked: {summary.wrong_bookings}")
    if unchecked:
        lines.append("not checkable on this channel: " + ", ".join(unchecked))
    return "\n".join(lines)


def as_json(outcomes: list[Outcome]) -> dict[str, Any]:
    summary = totals(outcomes)
    return {
        "passed": summary.passed,
        "failed": summary.failed,
        "skipped": summary.skipped,
        "wrong_bookings": summary.wrong_bookings,
        "by_language": {
            language: {"passed": passed, "run": run}
            for language, (passed, run) in summary.by_language.items()
        },
    }
