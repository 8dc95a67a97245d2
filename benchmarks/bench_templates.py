"""Cost of rendering guest messages with TemplateRenderer (sandboxed Jinja2 + Babel formatting).

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

Then the database source the app runs on (the catalog imported into a fresh SQLite file):
- "db source availability.success": the same render through `DatabaseTemplateSource` (the hot path
  is identical: a dict lookup and a cached compiled template; usage recording on);
- the cost of one activation on a replica: the targeted reload plus recompiling what guests use.

Finally, activation under load (`--skip-load` skips it): a real `hotel-agent serve` answers 50
concurrent guests through POST /api/v1/messages while an editor activates a new Spanish
`availability.success` every second through the admin API, then rolls it back. Reported: errors,
turn latency before and during the activations (a pause would show as a jump in p95/max), and
stale replies (a turn that started after the API confirmed an activation but still got the old
text). Once with 1 worker (SQLite, in-process state) and, when Redis answers on 127.0.0.1:6379,
with 2 workers sharing Redis (the cross-process path: pub/sub + stamp).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

from hotel_agent.message_templates import (
    InMemoryTemplateSource,
    TemplateEntry,
    TemplateRenderer,
    YamlTemplateSource,
)
from hotel_agent.message_templates.source import DEFAULT_CATALOG

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _server import percentile, running_server

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


def build_service() -> TemplateRenderer:
    entries = [
        TemplateEntry(key=key, language=language, text=text, category="bench")
        for key, texts in (("availability", AVAILABILITY), ("button", BUTTON))
        for language, text in texts.items()
    ]
    return TemplateRenderer(InMemoryTemplateSource(entries))


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
    parser.add_argument("--skip-load", action="store_true", help="skip the activation-under-load run")
    parser.add_argument("--conversations", type=int, default=50)
    parser.add_argument("--load-only", action="store_true", help="only the activation-under-load run")
    arguments = parser.parse_args()
    renders = arguments.renders
    if arguments.load_only:
        bench_activation_under_load(arguments.conversations, workers=1)
        if redis_reachable():
            bench_activation_under_load(arguments.conversations, workers=2, redis=True)
        else:
            print("\n(Redis not reachable on 127.0.0.1:6379: skipped the 2-worker run)")
        return 0
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
        shipped = TemplateRenderer(YamlTemplateSource())
        shipped.warm_up()
        entry = shipped.source.get("availability.success", "en")
        sample = entry.sample if entry is not None else None
        for language in ("en", "es", "pt") if sample is not None else ():
            timings = measure(
                lambda _i, language=language: shipped.render("availability.success", language, sample),
                renders,
            )
            repeated.append(report(f"shipped availability.success [{language}]", timings))

    repeated.append(asyncio.run(bench_database_source(renders)))

    for name, p95 in (("repeated values", max(repeated)), ("new values every render", fresh)):
        verdict = "met" if p95 <= TARGET_P95_US else "NOT met"
        print(f"worst p95, {name}: {p95:.1f} us (target <= {TARGET_P95_US:.0f} us: {verdict})")

    if not arguments.skip_load:
        # A fresh process: this one's heap (20k render contexts) would put GC pauses into the latencies.
        sys.stdout.flush()
        command = [sys.executable, __file__, "--load-only", "--conversations", str(arguments.conversations)]
        return subprocess.run(command, check=False).returncode
    return 0


# The database source


async def bench_database_source(renders: int) -> float:
    """Render through DatabaseTemplateSource (as the app does) and time one activation's reload."""
    from hotel_agent.config import Settings
    from hotel_agent.db import create_engine, create_sessionmaker, session_scope
    from hotel_agent.message_templates.api_schemas import VersionCreate
    from hotel_agent.message_templates.db_source import DatabaseTemplateSource
    from hotel_agent.message_templates.importer import import_catalog
    from hotel_agent.message_templates.repository import TemplateRepository
    from hotel_agent.message_templates.usage import UsageRecorder
    from hotel_agent.message_templates.versioning import TemplateVersionService
    from hotel_agent.migrations import upgrade

    with tempfile.TemporaryDirectory(prefix="ha-bench-templates-") as tmp:
        url = f"sqlite+aiosqlite:///{tmp}/templates.db"
        await asyncio.to_thread(upgrade, url)
        engine = create_engine(Settings(database_url=url), url=url)
        sessionmaker = create_sessionmaker(engine)
        async with session_scope(sessionmaker) as session:
            await import_catalog(session, YamlTemplateSource())
        source = DatabaseTemplateSource(sessionmaker)
        await source.load()
        usage = UsageRecorder(sessionmaker)
        service = TemplateRenderer(source, on_render=usage.record)
        service.warm_up()
        entry = source.get("availability.success", "en")
        sample = entry.sample if entry is not None else {}
        print(f"\ndatabase source ({len(source)} live templates), {renders} renders each:")
        worst = 0.0
        for language in ("en", "es", "pt"):
            timings = measure(
                lambda _i, language=language: service.render(
                    "availability.success", language, sample, conversation_id="bench"
                ),
                renders,
            )
            worst = max(worst, report(f"db source availability.success [{language}]", timings))
            usage._pending.clear()  # the buffer would be flushed by the app; not what we measure
        async with session_scope(sessionmaker) as session:
            template = await TemplateRepository.from_session(session).get_by_key("availability.success", "es")
            assert template is not None
            versions = TemplateVersionService(session)
            await versions.create_version(
                template.id, VersionCreate(content=f"[bench] {template.key}", status="active"), "bench"
            )
        started = time.perf_counter()
        await source.reload([template.id])
        one_off("one activation on a replica: targeted reload + recompile", started)
        assert service.render("availability.success", "es", sample).text.startswith("[bench]")
        await engine.dispose()
        return worst


# Activation under load


SPANISH_AVAILABILITY = "tienen hab para el finde? somos 2"
GUEST_SCRIPT = [
    SPANISH_AVAILABILITY,
    "do you have a room for 2 on march 3rd for 2 nights?",
    "qual o horário do check-in?",
]
NOW = "2027-01-10T12:00:00"
PASSWORD = "bench-password-123"  # noqa: S105 - a throwaway account on a throwaway database


@dataclass
class TurnSample:
    started: float
    latency: float
    status: int
    marker: str | None  # for the Spanish availability reply: which version's text it carried


def redis_reachable() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1.0):
            return True
    except OSError:
        return False


def bench_activation_under_load(conversations: int, *, workers: int, redis: bool = False) -> None:
    extra_env = {"HOTEL_AGENT_ADMIN_PASSWORD": PASSWORD}
    if redis:
        extra_env.update(
            {"REDIS_URL": "redis://127.0.0.1:6379/0", "REDIS_KEY_PREFIX": f"bench:{uuid.uuid4().hex}:"}
        )
    setup = [["admin", "create-user", "bench-editor", "--role", "editor"]]
    label = f"{workers} worker(s), {'Redis' if redis else 'in-process state'}"
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    print(f"\nactivation under load: {conversations} concurrent guests, {label} (load average {load})")
    with running_server(workers=workers, extra_env=extra_env, setup=setup) as (base, _pid):
        asyncio.run(_load(base, conversations))


async def _load(
    base: str, conversations: int, warmup: float = 8.0, activations: int = 8, think: float = 2.0
) -> None:
    """Guests pause `think` seconds between messages (people type), so the server is busy but not
    saturated and a pause while activating would show in the latencies instead of hiding in a queue."""
    limits = httpx.Limits(max_connections=conversations + 8, max_keepalive_connections=conversations + 8)
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as client:
        login = await client.post(
            "/admin/auth/login", json={"username": "bench-editor", "password": PASSWORD}
        )
        login.raise_for_status()
        headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
        listed = await client.get(
            "/admin/templates", params={"text": "availability.success", "language": "es"}, headers=headers
        )
        [item] = [row for row in listed.json()["items"] if row["key"] == "availability.success"]
        template = (await client.get(f"/admin/templates/{item['id']}", headers=headers)).json()
        original = template["active"]
        samples: list[TurnSample] = []
        applied: list[tuple[float, float, str]] = []  # (request sent, answered, marker now live)
        stop = asyncio.Event()

        async def guest(number: int) -> None:
            await asyncio.sleep(think * random.random())  # guests arrive spread out
            cycle = 0
            while not stop.is_set():
                cid = f"bench-{number}-{cycle}-{uuid.uuid4().hex[:6]}"
                for step, text in enumerate(GUEST_SCRIPT):
                    started = time.perf_counter()
                    response = await client.post(
                        "/api/v1/messages",
                        json={
                            "conversation_id": cid,
                            "text": text,
                            "message_id": f"{cid}-{step}",
                            "now": NOW,
                        },
                    )
                    latency = time.perf_counter() - started
                    marker = None
                    if response.status_code == 200 and text == SPANISH_AVAILABILITY:
                        reply = "\n".join(r["text"] for r in response.json()["replies"])
                        marker = reply.split("]", 1)[0] + "]" if reply.startswith("[") else "original"
                    samples.append(TurnSample(started, latency, response.status_code, marker))
                    await asyncio.sleep(think * (0.5 + random.random()))
                cycle += 1

        async def operator() -> None:
            await asyncio.sleep(warmup)
            base_path = f"/admin/templates/{template['id']}"
            try:
                for number in range(activations):
                    marker = f"[bench-v{number}]"
                    sent = time.perf_counter()
                    response = await client.put(
                        f"{base_path}/versions",
                        json={"content": f"{marker} {original['content']}", "status": "active"},
                        headers=headers,
                    )
                    response.raise_for_status()
                    applied.append((sent, time.perf_counter(), marker))
                    await asyncio.sleep(1.0)
            finally:
                sent = time.perf_counter()
                (
                    await client.post(f"{base_path}/rollback/{original['version']}", headers=headers)
                ).raise_for_status()
                applied.append((sent, time.perf_counter(), "original"))
                await asyncio.sleep(2.0)
                stop.set()

        probes: list[tuple[float, float]] = []

        async def probe() -> None:
            """The server's responsiveness: a trivial request every 20 ms; a pause shows as a slow one."""
            while not stop.is_set():
                started = time.perf_counter()
                await client.get("/health/live")
                probes.append((started, time.perf_counter() - started))
                await asyncio.sleep(0.02)

        clock_zero = time.perf_counter()
        await asyncio.gather(operator(), probe(), *(guest(number) for number in range(conversations)))

    first_activation = applied[0][0]
    quiet = [s for s in samples if clock_zero + 3.0 <= s.started and s.started + s.latency < first_activation]
    # Turns in flight while an activation request was being handled (sent .. answered).
    during = [
        s
        for s in samples
        if any(s.started <= answered and s.started + s.latency >= sent for sent, answered, _ in applied)
    ]
    errors = sum(1 for s in samples if s.status != 200)
    stale, worst_stale = 0, 0.0
    rollback = len(applied) - 1
    for s in samples:
        if s.marker is None:
            continue
        confirmed = [index for index, (_, answered, _) in enumerate(applied) if answered <= s.started]
        if not confirmed:
            continue
        # The version a reply carried, as its place in the sequence; "original" is the rollback's when
        # the turn ended after the rollback was sent, else the text from before the first activation.
        if s.marker == "original":
            got = rollback if s.started + s.latency >= applied[rollback][0] else -1
        else:
            got = next((index for index, (_, _, marker) in enumerate(applied) if marker == s.marker), -1)
        if got < confirmed[-1]:  # older than what the API had confirmed when the message was sent
            stale += 1
            worst_stale = max(worst_stale, s.started - applied[confirmed[-1]][1])
    activation_ms = [(answered - sent) * 1000 for sent, answered, _ in applied]
    elapsed = samples[-1].started + samples[-1].latency - clock_zero
    print(f"turns: {len(samples)} in {elapsed:.1f} s, errors: {errors}")
    for name, window in (("before the activations", quiet), ("while activating", during)):
        latencies = [s.latency * 1000 for s in window]
        if latencies:
            print(
                f"turn latency {name:<24} n={len(latencies):5d}  p50 {percentile(latencies, 50):7.1f} ms  "
                f"p95 {percentile(latencies, 95):7.1f} ms  max {max(latencies):7.1f} ms"
            )
    for name, in_window in (
        ("before the activations", lambda at: clock_zero + 3.0 <= at < first_activation),
        ("while activating", lambda at: any(sent <= at <= answered for sent, answered, _ in applied)),
    ):
        lags = [lag * 1000 for at, lag in probes if in_window(at)]
        if lags:
            print(
                f"GET /health/live {name:<22} n={len(lags):5d}  p50 {percentile(lags, 50):7.1f} ms  "
                f"p99 {percentile(lags, 99):7.1f} ms  max {max(lags):7.1f} ms"
            )
    print(
        f"activations: {len(applied)} (PUT ... status=active, then a rollback); API answered in "
        f"p50 {percentile(activation_ms, 50):.1f} ms, max {max(activation_ms):.1f} ms"
    )
    checked = sum(1 for s in samples if s.marker is not None and any(a[1] <= s.started for a in applied))
    print(
        f"Spanish availability replies after an activation: {checked}, old text served: {stale}"
        + (f" (at most {worst_stale * 1000:.0f} ms after the API answered)" if stale else "")
    )


if __name__ == "__main__":
    raise SystemExit(main())
