"""What A/B tests add to a reply: sticky assignment + variant rendering + exposure logging.

    uv run python benchmarks/bench_experiments.py [--guests 2000] [--turns 8] [--redis redis://127.0.0.1:6379/0]

A fresh SQLite database (migrated, catalog imported) with one running experiment on `greeting.welcome`
(50/50, variant texts in en/es/pt). Each simulated guest has `--turns` replies of that key; per reply we
time, with `time.perf_counter_ns`:
- baseline: `ReplyBuilder.say` without experiments (what every reply costs today);
- with the experiment: `begin_turn` (one state `get_many`; on a guest's first turn also the exposure
  lookup and the sticky write) + `say` rendering the assigned variant + `end_turn` (sticky write and
  buffered exposure on the first send).
The overhead per reply is the difference; reported p50/p95/p99 over all replies, and separately for
first turns (which pay the database lookup) and later turns. Exposure rows are flushed in the
background as in the app (their batched insert is not on a guest's path). Target: overhead p95 <= 0.5 ms.
Run once with the in-process state backend and, when `--redis` answers, with Redis.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from hotel_agent.config import Settings  # noqa: E402
from hotel_agent.conversation.replies import ReplyBuilder  # noqa: E402
from hotel_agent.db import create_engine, create_sessionmaker, session_scope, write_engine  # noqa: E402
from hotel_agent.experiments.runtime import ExperimentRuntime  # noqa: E402
from hotel_agent.experiments.schemas import ExperimentCreate  # noqa: E402
from hotel_agent.experiments.service import ExperimentService  # noqa: E402
from hotel_agent.kit.state import MemoryStateBackend, RedisStateBackend, StateBackend  # noqa: E402
from hotel_agent.message_templates.importer import import_catalog  # noqa: E402
from hotel_agent.message_templates.runtime import TemplateRuntime  # noqa: E402
from hotel_agent.message_templates.source import YamlTemplateSource  # noqa: E402
from hotel_agent.migrations import upgrade  # noqa: E402

TEXTS = {
    "en": "Hi! {{ hotel_name }} here, lovely to hear from you. Dates and guests, and I'll find you a room?",
    "es": "¡Hola! Aquí {{ hotel_name }}, qué alegría. ¿Fechas y personas, y le busco habitación?",
    "pt": "Olá! Aqui {{ hotel_name }}, que bom ter notícias suas. Datas e pessoas, e procuro um quarto?",
}


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def show(label: str, values_ns: list[float]) -> None:
    us = [v / 1000 for v in values_ns]
    print(
        f"  {label:<34} n={len(us):>6}  p50 {pct(us, 0.5):7.1f} us  p95 {pct(us, 0.95):7.1f} us  "
        f"p99 {pct(us, 0.99):7.1f} us  mean {statistics.fmean(us):7.1f} us"
    )


async def run(state: StateBackend, name: str, guests: int, turns: int, url: str) -> float:
    settings = Settings(database_url=url, environment="development", experiments_flush_seconds=1.0)
    engine = create_engine(settings, url=url)
    maker, write_maker = create_sessionmaker(engine), create_sessionmaker(write_engine(engine))
    templates = await TemplateRuntime.start(
        settings, sessionmaker=maker, write_sessionmaker=write_maker, state=state
    )
    renderer = templates.build_service(default_language="en", currency="EUR", timezone="Europe/Lisbon")
    renderer.warm_up(strict=False)
    key = f"bench-{uuid.uuid4().hex[:8]}"
    async with session_scope(write_maker) as session:
        service = ExperimentService(session, templates.options)
        body = ExperimentCreate.model_validate(
            {
                "key": key,
                "name": "bench",
                "template_key": "greeting.welcome",
                "variants": [
                    {"name": "control", "weight": 0.5},
                    {"name": "variant_a", "weight": 0.5, "texts": TEXTS},
                ],
            }
        )
        await service.create(body, "bench")
        await service.start(key, "bench")
    await templates.sync.announce(service.template_changes)
    runtime = await ExperimentRuntime.start(
        settings, sessionmaker=maker, write_sessionmaker=write_maker, state=state
    )
    languages = ("en", "es", "pt")
    baseline: list[float] = []
    first: list[float] = []
    later: list[float] = []
    context = {"hotel_name": "Hotel Miradouro Lisboa", "returning": False}
    for g in range(guests):
        guest = f"wa:100000000000001:3461{g:07d}"
        language = languages[g % 3]
        for t in range(turns):
            started = time.perf_counter_ns()
            ReplyBuilder(renderer, guest, language).say("greeting.welcome", **context)
            base = time.perf_counter_ns() - started
            started = time.perf_counter_ns()
            turn = await runtime.begin_turn(guest, language)
            ReplyBuilder(renderer, guest, language, turn).say("greeting.welcome", **context)
            await runtime.end_turn(turn)
            with_experiment = time.perf_counter_ns() - started
            baseline.append(base)
            (first if t == 0 else later).append(max(0, with_experiment - base))
        if g % 200 == 199:
            await asyncio.sleep(0)  # let the background flush run, as it would between guests' messages
    await runtime.close()
    async with session_scope(write_maker) as session:
        await ExperimentService(session, templates.options).stop(key, "bench")
    overhead = first + later
    print(f"{name}: {guests} guests x {turns} replies")
    show("baseline reply render", baseline)
    show("overhead, all replies", overhead)
    show("overhead, guest's first reply", first)
    show("overhead, later replies", later)
    await templates.close()
    await engine.dispose()
    return pct(overhead, 0.95) / 1000


async def measure(args: argparse.Namespace, url: str) -> int:
    if True:
        settings = Settings(database_url=url, environment="development")
        engine = create_engine(settings, url=url)
        async with session_scope(create_sessionmaker(engine)) as session:
            await import_catalog(session, YamlTemplateSource())
        await engine.dispose()
        results = {
            "memory": await run(MemoryStateBackend(), "in-process state", args.guests, args.turns, url)
        }
        redis = RedisStateBackend.from_url(args.redis, prefix=f"bench:{uuid.uuid4().hex}:")
        try:
            await redis.ping()
        except Exception as exc:
            print(f"Redis at {args.redis} unavailable ({type(exc).__name__}): skipped")
        else:
            results["redis"] = await run(redis, "Redis state", args.guests, args.turns, url)
        finally:
            await redis.close()
    for name, p95 in results.items():
        verdict = "ok" if p95 <= 500 else "OVER the 0.5 ms target"
        print(f"overhead p95 ({name}): {p95:.1f} us  {verdict}")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--guests", type=int, default=2000)
    parser.add_argument("--turns", type=int, default=8)
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        url = f"sqlite+aiosqlite:///{directory}/bench.db"
        upgrade(url)
        return asyncio.run(measure(args, url))


if __name__ == "__main__":
    sys.exit(main())
