"""PMS load benchmark: the plan's mix (70% availability, 20% booking, 10% lookup) through the full stack
(ResilientPmsAdapter -> QloAppsAdapter -> HTTP) against the QloApps emulator on a loopback port with
injected latency (50 ms by default), reporting the cache hit rate (target > 70%) and p50/p95/p99 per
operation.

    uv run python benchmarks/bench_pms.py                      # 50 users, 20 s, Redis if reachable
    uv run python benchmarks/bench_pms.py --users 20 --seconds 10 --state memory --latency-ms 50

Guests ask about a few popular stays (check-in in the next 60 days, 1-4 nights, 1-2 adults, weighted
towards the near term), as a hotel's WhatsApp traffic does; bookings land on the same stays, so they
invalidate cached answers as they would in production. Bounded in time, loopback only.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import socket
import subprocess
import sys
import time
from collections import Counter, defaultdict
from datetime import date, timedelta
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tools.qloapps_emulator import DEFAULT_API_KEY  # noqa: E402

from hotel_agent.kit.state import MemoryStateBackend, RedisStateBackend, StateBackend  # noqa: E402
from hotel_agent.pms.errors import PmsError  # noqa: E402
from hotel_agent.pms.metrics import PMS_CACHE_HITS, PMS_CACHE_MISSES  # noqa: E402
from hotel_agent.pms.qloapps import QloAppsAdapter, default_limits, default_timeout  # noqa: E402
from hotel_agent.pms.resilient import ResilientPmsAdapter  # noqa: E402
from hotel_agent.pms.schemas import AvailabilityQuery, BookingRequest, GuestDetails  # noqa: E402

MIX = (("availability", 0.70), ("booking", 0.20), ("lookup", 0.10))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_emulator(latency_ms: int) -> tuple[subprocess.Popen[bytes], str]:
    """The emulator in its own process (as QloApps would be), so it does not share our event loop."""
    port = free_port()
    command = [sys.executable, "-m", "tools.qloapps_emulator", "--port", str(port)]
    process = subprocess.Popen(
        [*command, "--latency-ms", str(latency_ms)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 15
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                break
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                raise RuntimeError("emulator did not start") from None
            time.sleep(0.05)
    return process, f"http://127.0.0.1:{port}"


async def make_state(kind: str, redis_url: str) -> StateBackend:
    if kind in ("redis", "auto"):
        backend = RedisStateBackend.from_url(redis_url, prefix=f"bench:{time.time_ns()}:")
        try:
            await backend.ping()
            return backend
        except Exception:
            await backend.close()
            if kind == "redis":
                raise
    return MemoryStateBackend()


def pick_stay(rng: random.Random, today: date) -> tuple[date, date, int]:
    # Near-term stays are asked about far more often than distant ones.
    offset = min(int(rng.expovariate(1 / 10)), 59) + 7
    nights = rng.choices((1, 2, 3, 4), weights=(3, 4, 2, 1))[0]
    adults = rng.choices((1, 2), weights=(1, 3))[0]
    checkin = today + timedelta(days=offset)
    return checkin, checkin + timedelta(days=nights), adults


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


async def run(args: argparse.Namespace) -> dict[str, object]:
    process, url = start_emulator(args.latency_ms)
    state = await make_state(args.state, args.redis_url)
    client = httpx.AsyncClient(timeout=default_timeout(10.0), limits=default_limits())
    inner = QloAppsAdapter(client, base_url=url, api_key=DEFAULT_API_KEY, hotel_id=1, owns_client=True)
    pms = ResilientPmsAdapter(inner, state, namespace=f"bench:{time.time_ns()}")
    latencies: dict[str, list[float]] = defaultdict(list)
    errors: Counter[str] = Counter()
    references: list[str] = []
    hits_before = PMS_CACHE_HITS.labels(kind="availability")._value.get()
    misses_before = PMS_CACHE_MISSES.labels(kind="availability")._value.get()
    today = date.today()
    deadline = time.monotonic() + args.seconds

    async def user(number: int) -> None:
        rng = random.Random(args.seed * 1000 + number)
        while time.monotonic() < deadline:
            operation = rng.choices([name for name, _ in MIX], weights=[w for _, w in MIX])[0]
            checkin, checkout, adults = pick_stay(rng, today)
            started = time.perf_counter()
            try:
                if operation == "availability":
                    await pms.check_availability(
                        AvailabilityQuery(checkin=checkin, checkout=checkout, adults=adults)
                    )
                elif operation == "booking":
                    # As the conversation does: offer what is free, book what the guest picks.
                    offers = (
                        await pms.check_availability(
                            AvailabilityQuery(checkin=checkin, checkout=checkout, adults=adults)
                        )
                    ).offers
                    if not offers:
                        errors["booking:nothing offered"] += 1
                        continue
                    booking = await pms.create_booking(
                        BookingRequest(
                            checkin=checkin,
                            checkout=checkout,
                            adults=adults,
                            room_type=rng.choice(offers).room_type,
                            guest=GuestDetails(
                                name=f"Guest {number}",
                                email=f"guest{number}@example.com",
                                phone="+351912345678",
                            ),
                            idempotency_key=f"bench-{number}-{rng.random()}",
                        )
                    )
                    references.append(booking.reference)
                else:
                    await pms.get_booking(rng.choice(references) if references else "QA-1")
            except PmsError as exc:
                errors[f"{operation}:{type(exc).__name__}"] += 1
            latencies[operation].append(time.perf_counter() - started)
            await asyncio.sleep(rng.uniform(0, args.think_ms / 1000))

    started = time.perf_counter()
    await asyncio.gather(*(user(number) for number in range(args.users)))
    elapsed = time.perf_counter() - started
    hits = PMS_CACHE_HITS.labels(kind="availability")._value.get() - hits_before
    misses = PMS_CACHE_MISSES.labels(kind="availability")._value.get() - misses_before
    await pms.close()
    await state.close()
    process.terminate()
    process.wait(timeout=10)

    return {
        "users": args.users,
        "seconds": round(elapsed, 1),
        "latency_ms_injected": args.latency_ms,
        "state_backend": state.name,
        "operations": sum(len(v) for v in latencies.values()),
        "throughput_per_s": round(sum(len(v) for v in latencies.values()) / elapsed, 1),
        "cache_hit_rate": round(hits / (hits + misses), 3) if hits + misses else 0.0,
        "per_operation_ms": {
            name: {
                "count": len(values),
                "p50": round(percentile(values, 0.50) * 1000, 1),
                "p95": round(percentile(values, 0.95) * 1000, 1),
                "p99": round(percentile(values, 0.99) * 1000, 1),
            }
            for name, values in sorted(latencies.items())
        },
        "errors": dict(errors),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--latency-ms", type=int, default=50)
    parser.add_argument("--think-ms", type=int, default=500, help="longest pause between a user's operations")
    parser.add_argument("--state", choices=("auto", "redis", "memory"), default="auto")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args()
    report = asyncio.run(run(args))
    if args.json:
        print(json.dumps(report, indent=2))
        return
    print(
        f"{report['users']} users, {report['seconds']} s, {report['latency_ms_injected']} ms injected "
        f"latency, state={report['state_backend']}: {report['operations']} operations "
        f"({report['throughput_per_s']}/s)"
    )
    rate = float(report["cache_hit_rate"])  # type: ignore[arg-type]
    print(f"availability cache hit rate: {rate:.1%} (target > 70%)")
    for name, stats in report["per_operation_ms"].items():  # type: ignore[attr-defined]
        print(
            f"  {name:<13} n={stats['count']:<6} p50={stats['p50']:>7} ms  "
            f"p95={stats['p95']:>7} ms  p99={stats['p99']:>7} ms"
        )
    if report["errors"]:
        print(f"errors: {report['errors']}")


if __name__ == "__main__":
    main()
