"""Every guest message a load run sent, and every reply the fake Graph API accepted for those guests.

The ledger is the source of the end-to-end numbers: a turn is (guest, wamid, sent at); the replies of a
turn are the messages the Graph API accepted for that guest after the turn was sent and before the
guest's next turn (a guest waits for the answer before writing again, so nothing else can be in that
window). From it:

- end-to-end latency of a turn: its first reply's acceptance time minus its send time (both wall clock on
  the same host: the fake and Locust share the machine, or NTP);
- lost: a turn that was acknowledged (200) but has no reply once the run has drained;
- duplicated: a reply sent twice (the same `biz_opaque_callback_data`, i.e. the same outbox row), which
  the exactly-once machinery must never do.

Plain Python, no gevent: Locust's process fills it, the report reads it.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Turn:
    guest: str
    wamid: str
    flow: str
    language: str
    step: int
    sent_at: float
    acked: bool = False
    ack_ms: float | None = None
    status: int | None = None  # HTTP status of the webhook / REST call (None: no answer)


@dataclass
class Reply:
    guest: str
    at: float
    index: int
    text: str
    callback: str | None


@dataclass
class Ledger:
    turns: list[Turn] = field(default_factory=list)
    replies: dict[str, list[Reply]] = field(default_factory=lambda: defaultdict(list))
    _callbacks: dict[str, int] = field(default_factory=dict)
    duplicates: int = 0

    def sent(self, turn: Turn) -> None:
        self.turns.append(turn)

    def received(self, reply: Reply) -> None:
        if reply.callback:
            self._callbacks[reply.callback] = self._callbacks.get(reply.callback, 0) + 1
            if self._callbacks[reply.callback] > 1:
                self.duplicates += 1
        self.replies[reply.guest].append(reply)

    def replies_since(self, guest: str, since: float) -> list[Reply]:
        replies = self.replies.get(guest, [])
        start = bisect.bisect_left([r.at for r in replies], since)
        return replies[start:]

    def windows(self) -> list[tuple[Turn, list[Reply]]]:
        """Each acknowledged turn with the replies that answer it (see the module docstring)."""
        by_guest: dict[str, list[Turn]] = defaultdict(list)
        for turn in self.turns:
            if turn.acked:
                by_guest[turn.guest].append(turn)
        result: list[tuple[Turn, list[Reply]]] = []
        for guest, turns in by_guest.items():
            turns.sort(key=lambda t: t.sent_at)
            replies = sorted(self.replies.get(guest, []), key=lambda r: r.at)
            for position, turn in enumerate(turns):
                end = turns[position + 1].sent_at if position + 1 < len(turns) else float("inf")
                result.append((turn, [r for r in replies if turn.sent_at <= r.at < end]))
        return result

    def unanswered(self) -> int:
        return sum(1 for _turn, replies in self.windows() if not replies)

    def summary(self) -> dict[str, Any]:
        windows = self.windows()
        e2e = sorted((replies[0].at - turn.sent_at) * 1000 for turn, replies in windows if replies)
        acks = sorted(t.ack_ms for t in self.turns if t.ack_ms is not None and t.acked)
        failed = [t for t in self.turns if not t.acked]
        statuses: dict[str, int] = defaultdict(int)
        for turn in self.turns:
            statuses[str(turn.status) if turn.status is not None else "no_answer"] += 1
        return {
            "sent": len(self.turns),
            "acknowledged": len(self.turns) - len(failed),
            "failed": len(failed),
            "statuses": dict(statuses),
            "answered": len(e2e),
            "lost": sum(1 for _turn, replies in windows if not replies),
            "duplicated_replies": self.duplicates,
            "replies": sum(len(r) for r in self.replies.values()),
            "ack_ms": percentiles(acks),
            "e2e_ms": percentiles(e2e),
        }

    def timeline(self, bucket_seconds: float, origin: float) -> list[dict[str, Any]]:
        """Per time bucket (by send time): e2e percentiles, turns sent, ack failures."""
        buckets: dict[int, list[float]] = defaultdict(list)
        sent: dict[int, int] = defaultdict(int)
        failed: dict[int, int] = defaultdict(int)
        for turn, replies in self.windows():
            slot = int((turn.sent_at - origin) // bucket_seconds)
            if replies:
                buckets[slot].append((replies[0].at - turn.sent_at) * 1000)
        for turn in self.turns:
            slot = int((turn.sent_at - origin) // bucket_seconds)
            sent[slot] += 1
            failed[slot] += 0 if turn.acked else 1
        return [
            {
                "t": slot * bucket_seconds,
                "sent": sent[slot],
                "failed": failed[slot],
                **percentiles(buckets[slot]),
            }
            for slot in sorted(sent)
        ]


def percentile(ordered: list[float], pct: float) -> float | None:
    if not ordered:
        return None
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered) + 0.5) - 1))
    return round(ordered[index], 1)


def percentiles(values: list[float]) -> dict[str, Any]:
    ordered = sorted(values)
    return {
        "count": len(ordered),
        "p50": percentile(ordered, 50),
        "p95": percentile(ordered, 95),
        "p99": percentile(ordered, 99),
        "max": round(ordered[-1], 1) if ordered else None,
    }
