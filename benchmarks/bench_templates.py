"""Cost of rendering guest messages with TemplateService (sandboxed Jinja2 + Babel formatting).

    uv run python benchmarks/bench_templates.py [--renders 20000]

Reports p50/p95/p99 per render of a cached template for:
- "availability": a realistic availability reply (3 offers; money x6, dates x2, plurals x2, weekday,
  a loop), with the same prices each time, as when guests ask about the same rooms;
- "availability, new prices": the same template with different amounts and dates on every render,
  so no formatting is served from the formatter's memo (Babel on every call);
- "button": a one-line template with no formatting (the floor: sandbox + service overhead);
- "shipped availability.success": the catalog's own text and sample, when the catalog is present.
It also reports the one-off costs the service moves to start-up: compiling a template and a
locale's first use. Target: p95 <= 50 us per render.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from hotel_agent.message_templates import (
    InMemoryTemplateSource,
    TemplateEntry,
    TemplateService,
    YamlTemplateSource,
)
from hotel_agent.message_templates.source import DEFAULT_CATALOG

TARGET_P95_US = 50.0

AVAILABILITY = {
    "en": """\
We have {{ plural(offers|length, one="one room", other="# rooms") }} for you \
from {{ weekday(checkin) }} {{ checkin|date("d MMMM") }} to {{ checkout|date("d MMMM") }} \
({{ plural(nights, one="# night", other="# nights") }}):
{% for offer in offers %}
{{ loop.index }}. {{ offer.name }}: {{ offer.per_night|money }} per night, \
{{ offer.total|money(cents=False) }} in total
{% endfor %}
Reply with the number of the room you'd like.""",
    "es": """\
Tenemos {{ plural(offers|length, one="una habitación", other="# habitaciones") }} \
del {{ weekday(checkin) }} {{ checkin|date("d 'de' MMMM") }} al {{ checkout|date("d 'de' MMMM") }} \
({{ plural(nights, one="# noche", many="# de noches", other="# noches") }}):
{% for offer in offers %}
{{ loop.index }}. {{ offer.name }}: {{ offer.per_night|money }} por noche, \
{{ offer.total|money(cents=False) }} en total
{% endfor %}
Responde con el número de la habitación que prefieras.""",
    "pt": """\
Temos {{ plural(offers|length, one="um quarto", other="# quartos") }} \
de {{ weekday(checkin) }}, {{ checkin|date("d 'de' MMMM") }}, a {{ checkout|date("d 'de' MMMM") }} \
({{ plural(nights, one="# noite", many="# de noites", other="# noites") }}):
{% for offer in offers %}
{{ loop.index }}. {{ offer.name }}: {{ offer.per_night|money }} por noite, \
{{ offer.total|money(cents=False) }} no total
{% endfor %}
Responda com o número do quarto que preferir.""",
}
BUTTON = {"en": "Book the {{ name }}", "es": "Reservar {{ name }}", "pt": "Reservar {{ name }}"}


def availability_context(shift: int = 0) -> dict[str, Any]:
    checkin = dt.date(2027, 1, 15) + dt.timedelta(days=shift % 300)
    return {
        "nights": 2,
        "checkin": checkin,
        "checkout": checkin + dt.timedelta(days=2),
        "offers": [
            {
                "name": "Double Room",
                "per_night": Decimal("110.00") + shift,
                "total": Decimal("220.00") + 2 * shift,
            },
            {
                "name": "Junior Suite",
                "per_night": Decimal("236.67") + shift,
                "total": Decimal("473.34") + 2 * shift,
            },
            {
                "name": "Family Room",
                "per_night": Decimal("150.50") + shift,
                "total": Decimal("301.00") + 2 * shift,
            },
        ],
    }


def build_service() -> TemplateService:
    entries = [
        TemplateEntry(key=key, language=language, text=text, category="bench")
        for key, texts in (("availability", AVAILABILITY), ("button", BUTTON))
        for language, text in texts.items()
    ]
    return TemplateService(InMemoryTemplateSource(entries))


def measure(render: Callable[[int], object], renders: int) -> list[float]:
    """Per-render wall time in microseconds, after a warm-up pass."""
    for i in range(min(renders, 2000)):
        render(i)
    timings = []
    clock = time.perf_counter_ns
    for i in range(renders):
        started = clock()
        render(i)
        timings.append((clock() - started) / 1000)
    return timings


def report(name: str, timings: list[float]) -> float:
    ordered = sorted(timings)
    p50, p95, p99 = (ordered[int(len(ordered) * q) - 1] for q in (0.50, 0.95, 0.99))
    mean = statistics.fmean(ordered)
    print(f"{name:<42} p50 {p50:6.1f} us  p95 {p95:6.1f} us  p99 {p99:6.1f} us  mean {mean:6.1f} us")
    return p95


def one_off(name: str, started: float, times: int = 1) -> None:
    print(f"{name:<62} {(time.perf_counter() - started) / times * 1e3:6.2f} ms")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--renders", type=int, default=20_000)
    renders = parser.parse_args().renders
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    print(f"load average on {os.cpu_count()} CPUs: {load} (other work on the machine widens p95/p99)\n")

    started = time.perf_counter()
    cold = build_service()
    cold.render("button", "es", {"name": "Suite"})
    one_off("first render in a fresh process (compile + es locale data)", started)
    started = time.perf_counter()
    cold.render("availability", "en", availability_context())
    one_off("first render of the availability template in English", started)
    service = build_service()
    started = time.perf_counter()
    service.warm_up()
    one_off("warm_up: 6 templates, locales en/es/pt/pt-BR", started)
    started = time.perf_counter()
    for _ in range(50):
        service._environment.compile_entry(AVAILABILITY["es"], key="availability", language="es")
    one_off("compiling the availability template", started, times=50)

    print(f"\n{renders} renders each, cached templates:")
    repeated: list[float] = []
    same = availability_context()
    for language in ("en", "es", "pt", "pt-BR"):
        timings = measure(
            lambda _i, language=language: service.render("availability", language, same), renders
        )
        repeated.append(report(f"availability [{language}]", timings))
    contexts = [availability_context(shift) for shift in range(renders + 2000)]
    timings = measure(lambda i: service.render("availability", "es", contexts[i]), renders)
    fresh = report("availability [es], new prices and dates", timings)
    timings = measure(lambda _i: service.render("button", "es", {"name": "Suite"}), renders)
    report("button [es]", timings)

    if DEFAULT_CATALOG.is_dir():
        shipped = TemplateService(YamlTemplateSource())
        shipped.warm_up()
        entry = shipped.source.get("availability.success", "en")
        sample = entry.sample if entry is not None else None
        for language in ("en", "es", "pt") if sample is not None else ():
            timings = measure(
                lambda _i, language=language: shipped.render("availability.success", language, sample),
                renders,
            )
            repeated.append(report(f"shipped availability.success [{language}]", timings))

    for name, p95 in (("repeated values", max(repeated)), ("new values every render", fresh)):
        verdict = "met" if p95 <= TARGET_P95_US else "NOT met"
        print(f"worst p95, {name}: {p95:.1f} us (target <= {TARGET_P95_US:.0f} us: {verdict})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
