"""Entity extraction latency after warm-up, and the long-input guard (moved out of the unit tests: a
performance target is measured here, never asserted in a test).

    uv run python benchmarks/bench_entities.py [--rounds 200]

Targets: p95 per message < 2 ms on the mixed es/en/pt set; each pathological long input < 500 ms (they
would take seconds or hang with a backtracking regular expression). Exit status 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime

from hotel_agent.nlu.entities import DEMO_ROOM_TYPES, EntityExtractor

SUNDAY = datetime(2027, 1, 10, 12, 0, tzinfo=UTC)
MESSAGES = [
    ("es", "hola, tienen hab doble para el finde? somos 2 adultos y un niño"),
    ("es", "quiero reservar del 3 al 5 de marzo, a nombre de Lucia Fernandez, lucia@gmail.com"),
    ("es", "cuanto cuesta la suite por noche?"),
    ("es", "mi reserva es HA-7K3Q9P, la puedo cambiar al 20/02?"),
    ("es", "llegamos a las 3, somos 2 personas, habitación 2"),
    ("en", "hi, do you have a double room from March 3rd to the 5th for 2 adults and 1 kid?"),
    ("en", "my name is John Smith, john@example.com, +1 212 555 0100, next friday for 3 nights"),
    ("en", "how much for the suite this weekend"),
    ("en", "can i extend my booking to sunday"),
    ("en", "is breakfast included?"),
    ("pt", "chegamos dia 20 de dezembro e saímos dia 23, quarto de casal, eu e minha esposa"),
    ("pt", "oi, quero reservar de 10 a 12 de fevereiro, (11) 98765-4321"),
    ("pt", "tem vaga pra 4 pessoas semana que vem?"),
    ("pt", "quero cancelar a reserva ha7k3q9p"),
    ("pt", "obrigado!"),
]
LONG_INPUTS = ("1 " * 2000, "de " * 2000, "(1 " * 1300, "15 de enero al 3 " * 240, "Ana " * 1000)
P95_TARGET_S = 0.002
LONG_TARGET_S = 0.5


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()
    extractor = EntityExtractor(DEMO_ROOM_TYPES)
    extractor.warm_up()
    timings: list[float] = []
    for _ in range(args.rounds):
        for lang, text in MESSAGES:
            start = time.perf_counter()
            extractor.extract(text, lang, SUNDAY)
            timings.append(time.perf_counter() - start)
    timings.sort()
    p50, p95, p99 = (timings[min(len(timings) - 1, int(len(timings) * q))] for q in (0.5, 0.95, 0.99))
    print(
        f"entities: {len(timings)} extractions"
        f"  p50 {p50 * 1e3:.3f}  p95 {p95 * 1e3:.3f}  p99 {p99 * 1e3:.3f} ms"
    )
    failed = p95 >= P95_TARGET_S
    for text in LONG_INPUTS:
        start = time.perf_counter()
        extractor.extract(text, "es", SUNDAY)
        took = time.perf_counter() - start
        failed |= took >= LONG_TARGET_S
        print(f"long input {text[:12]!r}… ({len(text)} chars): {took * 1e3:.1f} ms")
    print(
        f"targets: p95 < {P95_TARGET_S * 1e3:.0f} ms, long inputs < {LONG_TARGET_S * 1e3:.0f} ms: "
        f"{'MISSED' if failed else 'met'}"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
