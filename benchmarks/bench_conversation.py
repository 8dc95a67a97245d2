"""Full conversation turns through POST /api/v1/messages on the embedded PMS (target: p95 <= 50 ms),
and the server's memory after start-up (target: <= 400 MB).

Runs a real server process; guests follow realistic scripts in en/es/pt (availability, booking through to
confirmation, lookup, hotel info), one request at a time so latency is the turn's own.
"""

from __future__ import annotations

import itertools
import sys
import time
import uuid
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _server import percentile, rss_mb, running_server

SCRIPTS = {
    "en": [
        "hi, do you have a double room from march 3rd to the 5th for 2 adults?",
        "1",
        "John Smith, john@example.com, +351 912 345 678",
        "yes",
        "what's the status of my booking?",
        "what time is check in?",
        "thanks, bye",
    ],
    "es": [
        "hola, tienen hab para el finde?",
        "la 2",
        "Ana Souza, ana@example.com, +34 612 345 678",
        "sí",
        "cual es el estado de mi reserva?",
        "tienen estacionamiento?",
        "gracias!",
    ],
    "pt": [
        "oi, vcs tem quarto pra 15 de março? somos 2",
        "1",
        "Pedro Alves, pedro@example.com, +55 11 91234 5678",
        "sim",
        "quero cancelar minha reserva",
        "sim",
        "obrigado",
    ],
}
CONVERSATIONS = 60
WARMUP = 6


def main() -> None:
    with running_server() as (base, pid):
        memory_after_start = rss_mb(pid)
        latencies: list[float] = []
        with httpx.Client(base_url=base, timeout=30) as client:
            languages = itertools.cycle(SCRIPTS)
            for number in range(WARMUP + CONVERSATIONS):
                language = next(languages)
                cid = f"bench-{language}-{uuid.uuid4().hex[:8]}"
                for step, text in enumerate(SCRIPTS[language]):
                    body = {
                        "conversation_id": cid,
                        "text": text,
                        "message_id": f"{cid}-{step}",
                        "now": "2027-01-10T12:00:00",
                    }
                    started = time.perf_counter()
                    response = client.post("/api/v1/messages", json=body)
                    elapsed = time.perf_counter() - started
                    response.raise_for_status()
                    if number >= WARMUP:
                        latencies.append(elapsed * 1000)
        memory_after_load = rss_mb(pid)
    print(f"turns measured: {len(latencies)} ({CONVERSATIONS} conversations, en/es/pt)")
    print(
        f"turn latency ms: p50 {percentile(latencies, 50):.1f}  p95 {percentile(latencies, 95):.1f}  "
        f"p99 {percentile(latencies, 99):.1f}  max {max(latencies):.1f}   (target p95 <= 50)"
    )
    print(
        f"server RSS MB: after start-up {memory_after_start:.0f}, after load {memory_after_load:.0f}"
        f"   (target <= 400)"
    )


if __name__ == "__main__":
    main()
