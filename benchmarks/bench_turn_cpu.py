"""CPU per conversation turn, in process on the embedded default (target: p95 <= 20 ms).

The same guest scripts as bench_conversation.py, through the engine without HTTP. It measures the turn's
thread CPU time (understanding, dialogue, templates, the event loop's share of the PMS calls), which a
loaded machine barely moves, so before/after comparisons of a dialogue change hold on a shared host where
bench_conversation.py's wall-clock percentiles mostly measure the neighbours.
"""

from __future__ import annotations

import asyncio
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_conversation import SCRIPTS

from hotel_agent.config import Settings
from hotel_agent.conversation.testing.harness import in_process
from hotel_agent.nlu.service import NluService

CONVERSATIONS = 60
WARMUP = 6
TARGET_P95_MS = 20.0


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[int(share * (len(ordered) - 1))]


async def measure() -> list[float]:
    nlu = NluService.build()
    nlu.warm_up()
    settings = Settings(environment="development", redis_url=None, gc_freeze_after_start=False)  # type: ignore[call-arg]
    cpu_ms: list[float] = []
    languages = list(SCRIPTS)
    async with in_process(settings, nlu=nlu) as options:
        for number in range(WARMUP + CONVERSATIONS):
            conversation_id = f"bench-cpu-{uuid.uuid4().hex[:8]}"
            for index, text in enumerate(SCRIPTS[languages[number % len(languages)]]):
                started = time.thread_time()
                await options.driver.send(
                    conversation_id,
                    text=text,
                    choice_id=None,
                    message_id=f"{conversation_id}-{index}",
                    now=None,
                )
                if number >= WARMUP:
                    cpu_ms.append((time.thread_time() - started) * 1000)
    return cpu_ms


def main() -> int:
    cpu_ms = asyncio.run(measure())
    p95 = percentile(cpu_ms, 0.95)
    print(f"turns measured: {len(cpu_ms)} ({CONVERSATIONS} conversations, en/es/pt)")
    print(
        f"turn CPU ms: p50 {percentile(cpu_ms, 0.5):.2f}  p95 {p95:.2f}  p99 {percentile(cpu_ms, 0.99):.2f}"
        f"   (target p95 <= {TARGET_P95_MS:.0f})"
    )
    return 0 if p95 <= TARGET_P95_MS else 1


if __name__ == "__main__":
    raise SystemExit(main())
