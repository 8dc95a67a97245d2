"""WhatsApp channel benchmarks, each against the same app's `/health/live` in the same run.

1. Acknowledgement: signed webhooks (a unique wamid each: verified, stored, enqueued), `hotel-agent serve
   --workers 2` on PostgreSQL with no queue worker running (so only the acknowledgement is measured), wrk
   over 200 connections. Latency: paced runs at 1,000 req/s (the throughput target; target p99 <= 100 ms),
   1,500 and 2,000. Throughput: saturation, webhooks vs GET /health/live (targets >= 15% and >= 1,000
   req/s). At saturation a closed-loop latency is connections / throughput (Little's law), so it is
   printed but the latency target is read at the paced rate (docs/whatsapp.md).
2. End to end: 20 messages/s for 30 s, open loop, a realistic mix of guest messages in en/es/pt on the
   embedded PMS; latency from sending the webhook to the reply accepted by the fake Graph API. Same web
   server, plus 2 `hotel-agent worker` processes, PostgreSQL and Redis. Target: p95 <= 250 ms.

Needs PostgreSQL and Redis on loopback (TEST_POSTGRES_URL / TEST_REDIS_URL) and wrk (`apt-get install wrk`).
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _server import percentile  # noqa: E402
from tests.support.cluster import fresh_database  # noqa: E402
from tests.support.services import REDIS_URL, free_port  # noqa: E402
from tools.fake_graph_api.server import running_fake  # noqa: E402

from hotel_agent.channels.whatsapp.simulation import message_payload, signed_request, webhook  # noqa: E402

APP_SECRET = "dev-whatsapp-app-secret"  # noqa: S105 - the development placeholder
PHONE_NUMBER_ID = "100000000000001"
CONNECTIONS = 200
DURATION_S = 10
E2E_RATE = 20
E2E_SECONDS = 30
GUEST_MESSAGES = [
    "hi, do you have a double room from march 3rd to the 5th for 2 adults?",
    "what time is check in?",
    "hola, tienen hab para el finde? somos 2",
    "tienen estacionamiento?",
    "oi, vcs tem quarto pra 15 de março? somos 2",
    "o café da manhã está incluído?",
    "do you have parking?",
    "is there a gym?",
]
# Paced runs: the throughput target's rate, then more, to show the headroom.
TARGET_RATE = 1000
RATES = [TARGET_RATE, 1500, 2000]
WARM_UP_RATE = 300
SATURATION_BODIES = 60_000
# Appended to LUA for a paced run: each wrk thread (2) takes the next slot of its own schedule, INTERVAL_MS
# apart, before each request; LuaJIT's ffi reads the monotonic clock (wrk has no clock in Lua).
PACED_LUA = """
local ffi = require("ffi")
ffi.cdef[[
typedef struct { long tv_sec; long tv_nsec; } ha_timespec;
int clock_gettime(int clk_id, ha_timespec *tp);
]]
local now_buffer = ffi.new("ha_timespec[1]")
local function now_ms()
  ffi.C.clock_gettime(1, now_buffer)
  return tonumber(now_buffer[0].tv_sec) * 1000 + tonumber(now_buffer[0].tv_nsec) / 1000000
end
local next_due = nil
function delay()
  local now = now_ms()
  if next_due == nil then next_due = now end
  next_due = next_due + INTERVAL_MS
  if next_due < now then return 0 end
  return next_due - now
end
"""
LUA = """
local bodies, signatures, index, threads = {}, {}, 0, 0
function setup(thread)
  thread:set("offset", threads)
  threads = threads + 1
end
function init(args)
  for line in io.lines(args[1]) do
    local tab = string.find(line, "\\t", 1, true)
    signatures[#signatures + 1] = string.sub(line, 1, tab - 1)
    bodies[#bodies + 1] = string.sub(line, tab + 1)
  end
  -- each thread takes its own half of the bodies: every request is a new message (until they run out)
  index = offset * math.floor(#bodies / 2)
end
function request()
  index = index % #bodies + 1
  wrk.headers["X-Hub-Signature-256"] = signatures[index]
  wrk.headers["Content-Type"] = "application/json"
  return wrk.format("POST", "/webhooks/whatsapp", nil, bodies[index])
end
"""


def wrk_run(
    url: str, script: Path | None = None, args: list[str] | None = None, duration: int = DURATION_S
) -> dict[str, float]:
    command = ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{duration}s", "--latency", "--timeout", "5s"]
    if script is not None:
        command += ["-s", str(script)]
    command.append(url)
    if args:
        command += ["--", *args]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    return {
        "rps": rps,
        "p50_ms": _latency(output, "50%"),
        "p90_ms": _latency(output, "90%"),
        "p99_ms": _latency(output, "99%"),
        "non_2xx": float(non_2xx.group(1)) if non_2xx else 0.0,
    }


def _latency(output: str, label: str) -> float:
    match = re.search(rf"{re.escape(label)}\s+([\d.]+)(us|ms|s)", output)
    if not match:
        return float("nan")
    value, unit = float(match.group(1)), match.group(2)
    return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value


def signed_bodies(count: int) -> list[tuple[bytes, dict[str, str]]]:
    bodies = []
    for number in range(count):
        guest = f"3461{number:08d}"
        message = message_payload(wa_id=guest, text=GUEST_MESSAGES[number % len(GUEST_MESSAGES)])
        bodies.append(signed_request(webhook(PHONE_NUMBER_ID, messages=[message]), APP_SECRET))
    return bodies


def start(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    handle = log.open("ab")
    return subprocess.Popen(
        [sys.executable, "-m", "hotel_agent", *command], env=env, cwd=ROOT, stdout=handle, stderr=handle
    )


def wait_ready(base: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 120
    while True:
        try:
            if httpx.get(f"{base}/health/ready", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("server did not start")
        time.sleep(0.25)


def stop(*processes: subprocess.Popen[bytes]) -> None:
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


def _tsv(bodies: list[tuple[bytes, dict[str, str]]]) -> str:
    return "".join(f"{h['X-Hub-Signature-256']}\t{b.decode()}\n" for b, h in bodies)


def acknowledgement(base: str, tmp: Path, database_url: str) -> bool:
    """Paced runs at fixed rates for latency, then saturation for throughput and the ratio (wrk for both).

    Latency first, on a database that has not just absorbed a saturation burst (tens of thousands of
    rows with no worker draining them). Paced: each wrk thread sends on a fixed schedule (PACED_LUA), so
    the rate is the one asked for and latency is not just connections / throughput as at saturation.
    """
    if shutil.which("wrk") is None:
        print("wrk is not installed (apt-get install wrk): the acknowledgement benchmark needs it")
        return False
    needed = sum(int(rate * (DURATION_S + 2)) for rate in [WARM_UP_RATE, *RATES]) + SATURATION_BODIES
    bodies = signed_bodies(needed)

    def bodies_file(name: str, count: int) -> Path:
        nonlocal bodies
        path = tmp / f"{name}.tsv"
        path.write_text(_tsv(bodies[:count]))
        bodies = bodies[count:]
        return path

    def paced(rate: float) -> dict[str, float]:
        script = tmp / f"paced-{rate:.0f}.lua"
        script.write_text(LUA + PACED_LUA.replace("INTERVAL_MS", f"{2 * 1000 / rate:.4f}"))
        return wrk_run(base, script, [str(bodies_file(f"paced-{rate:.0f}", int(rate * (DURATION_S + 2))))])

    wrk_run(f"{base}/health/live", duration=3)  # warm-up: connections, first requests, pools
    paced(WARM_UP_RATE)
    asyncio.run(_drop_backlog(database_url))
    print(f"paced (wrk -t2 -c{CONNECTIONS}, each thread on a fixed schedule, {DURATION_S}s each):")
    latency_ok = True
    for rate in RATES:
        run = paced(rate)
        verdict = ""
        if rate == TARGET_RATE:
            latency_ok = run["p99_ms"] <= 100 and run["non_2xx"] == 0 and run["rps"] >= 0.97 * rate
            verdict = f"  (target p99 <= 100 ms) {'OK' if latency_ok else 'MISSED'}"
        print(
            f"  POST at {rate:5.0f} req/s: {run['rps']:6.0f} req/s done  p50 {run['p50_ms']:6.1f} ms  "
            f"p90 {run['p90_ms']:6.1f} ms  p99 {run['p99_ms']:6.1f} ms  non-2xx {run['non_2xx']:.0f}{verdict}"
        )
        asyncio.run(_drop_backlog(database_url))

    script = tmp / "webhook.lua"
    script.write_text(LUA)
    live = wrk_run(f"{base}/health/live")
    webhook_stats = wrk_run(base, script, [str(bodies_file("saturation", SATURATION_BODIES))])
    ratio = webhook_stats["rps"] / live["rps"]
    print(f"saturation (wrk -t2 -c{CONNECTIONS}, {DURATION_S}s; latency here = connections / throughput):")
    print(
        f"  GET /health/live         {live['rps']:8.0f} req/s  p50 {live['p50_ms']:6.1f} ms  "
        f"p99 {live['p99_ms']:6.1f} ms"
    )
    print(
        f"  POST /webhooks/whatsapp  {webhook_stats['rps']:8.0f} req/s  "
        f"p50 {webhook_stats['p50_ms']:6.1f} ms  p99 {webhook_stats['p99_ms']:6.1f} ms  "
        f"non-2xx {webhook_stats['non_2xx']:.0f}"
    )
    throughput_ok = ratio >= 0.15 and webhook_stats["rps"] >= 1000 and webhook_stats["non_2xx"] == 0
    print(
        f"  acknowledgement / live = {ratio:.1%}  (targets: >= 15% and >= 1000 req/s) "
        f"{'OK' if throughput_ok else 'MISSED'}"
    )
    return throughput_ok and latency_ok


async def end_to_end(base: str, fake: Any, *, seconds: int = E2E_SECONDS, report: bool = True) -> None:
    run = uuid.uuid4().hex[:4]
    started: dict[str, float] = {}
    interval = 1 / E2E_RATE
    count = E2E_RATE * seconds
    async with httpx.AsyncClient(base_url=base, timeout=10) as client:

        async def send(number: int) -> None:
            guest = f"3462{run}{number:04d}"
            message = message_payload(wa_id=guest, text=GUEST_MESSAGES[number % len(GUEST_MESSAGES)])
            body, headers = signed_request(webhook(PHONE_NUMBER_ID, messages=[message]), APP_SECRET)
            started[guest] = time.time()
            response = await client.post("/webhooks/whatsapp", content=body, headers=headers)
            response.raise_for_status()

        tasks = []
        origin = time.perf_counter()
        for number in range(count):
            await asyncio.sleep(max(0.0, origin + number * interval - time.perf_counter()))
            tasks.append(asyncio.create_task(send(number)))
        await asyncio.gather(*tasks)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        answered = {m["to"] for m in list(fake.fake.messages)}
        if all(guest in answered for guest in started):
            break
        await asyncio.sleep(0.2)
    first_reply: dict[str, float] = {}
    for message in list(fake.fake.messages):
        if message["to"] in started and message["to"] not in first_reply:
            first_reply[message["to"]] = message["at"]
    latencies = [
        (first_reply[guest] - sent) * 1000 for guest, sent in started.items() if guest in first_reply
    ]
    if os.environ.get("BENCH_DEBUG"):
        ordered = [
            round((first_reply[g] - t) * 1000)
            for g, t in sorted(started.items(), key=lambda kv: kv[1])
            if g in first_reply
        ]
        print("latency over time (ms):", ordered[::20])
    missing = len(started) - len(latencies)
    if not report:
        return
    p95 = percentile(latencies, 95)
    print(
        f"end to end ({count} messages at {E2E_RATE}/s, en/es/pt, embedded PMS): "
        f"p50 {percentile(latencies, 50):.0f} ms  "
        f"p95 {p95:.0f} ms  p99 {percentile(latencies, 99):.0f} ms  max {max(latencies):.0f} ms  "
        f"unanswered {missing}   (target p95 <= 250 ms) {'OK' if p95 <= 250 and not missing else 'MISSED'}"
    )


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="ha-bench-wa-"))
    with fresh_database() as database_url, running_fake() as fake:
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        env = {
            **os.environ,
            "ENVIRONMENT": "development",
            "DATABASE_URL": database_url,
            "REDIS_URL": os.environ.get("TEST_REDIS_URL", REDIS_URL),
            "REDIS_KEY_PREFIX": f"bench:{uuid.uuid4().hex[:8]}:",
            "LOG_LEVEL": "WARNING",
            "LOG_FORMAT": "json",
            "NLU_MODEL_DIR": str(ROOT / "var" / "models"),
            "WHATSAPP_API_BASE_URL": fake.url,
            "QUEUE_IN_PROCESS_WORKER": "false",
        }
        env.pop("PROMETHEUS_MULTIPROC_DIR", None)
        fake.fake.config.statuses = []
        web = start(["serve", "--port", str(port), "--workers", "2"], env, tmp / "web.log")
        try:
            wait_ready(base, web)
            print("1. acknowledgement (serve --workers 2, PostgreSQL, no queue worker running)")
            acknowledgement(base, tmp, database_url)
            asyncio.run(_drop_backlog(database_url))
            print("2. end to end (same server + 2 `hotel-agent worker`, PostgreSQL, Redis, fake Graph API)")
            worker_env = {**env, "LOG_LEVEL": "INFO"}
            logs = [tmp / f"worker-{n}.log" for n in range(2)]
            workers = [start(["worker", "--concurrency", "8"], worker_env, log) for log in logs]
            try:
                deadline = time.monotonic() + 120
                while not all(log.exists() and b"worker.started" in log.read_bytes() for log in logs):
                    if time.monotonic() > deadline:
                        raise RuntimeError("workers did not start")
                    time.sleep(0.2)
                asyncio.run(end_to_end(base, fake, seconds=5, report=False))  # warm-up: first calls, pools
                asyncio.run(end_to_end(base, fake))
            finally:
                stop(*workers)
        finally:
            stop(web)
    shutil.rmtree(tmp, ignore_errors=True)


async def _drop_backlog(database_url: str) -> None:
    """A load phase with no worker running leaves tens of thousands of queued messages and jobs behind,
    which workers would have drained: drop them, and vacuum now rather than in the next measurement."""
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(database_url)
    async with engine.begin() as connection:
        await connection.execute(text("SET LOCAL search_path TO procrastinate, public"))
        await connection.execute(text("DELETE FROM procrastinate_jobs"))
        await connection.execute(text("DELETE FROM whatsapp_inbound_messages"))
    async with engine.connect() as connection:
        autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
        for table in ("whatsapp_inbound_messages", "procrastinate.procrastinate_jobs"):
            await autocommit.execute(text(f"VACUUM ANALYZE {table}"))
    await engine.dispose()


if __name__ == "__main__":
    main()
