"""`make load-test`: run one scenario of the locustfile and write its report.

    uv run python -m tests.load.run --scenario peak                       # local stack, short length
    uv run python -m tests.load.run --scenario peak --pms qloapps         # ... on the QloApps emulator
    uv run python -m tests.load.run --scenario spike --length full        # the plan's 15 minutes
    uv run python -m tests.load.run --scenario normal --host https://staging.example \\
        --graph-url http://fake-graph.staging:8091 --metrics-urls web=https://staging.example/metrics

Without --host it starts the local stack (tests/load/stack.py) and defaults to the short length; with
--host it measures that deployment as it is and defaults to the plan's full durations. The report goes
to `<report root>/<time>-<scenario>-<channel>-<pms>/` (default root: var/load-reports): load.json,
locust.html, locust_*.csv, locust.log, summary.md/.html/.json, the plots, and the stack's logs.
Exits 1 when a check of the summary fails, 2 when the run itself failed.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LOCUSTFILE = Path(__file__).with_name("locustfile.py")
DEFAULT_ROOT = ROOT / "var" / "load-reports"


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="hotel-agent load test (plan C.3)")
    parser.add_argument("--scenario", default="normal", choices=("normal", "peak", "spike", "soak", "smoke"))
    parser.add_argument(
        "--length", choices=("short", "full"), help="default: short locally, full with --host"
    )
    parser.add_argument("--duration", default="", help="override the length: 90, 5m, 1h...")
    parser.add_argument("--host", default="", help="a deployment to measure (default: start a local stack)")
    parser.add_argument("--graph-url", default="", help="with --host: the fake Graph API it sends to")
    parser.add_argument("--metrics-urls", default="", help="with --host: name=url,... of its /metrics pages")
    parser.add_argument("--channel", choices=("whatsapp", "rest"), default="whatsapp")
    parser.add_argument("--pms", choices=("local", "qloapps"), default="local", help="local stack's PMS")
    parser.add_argument("--pms-latency-ms", default="50,150", help="QloApps emulator latency range")
    parser.add_argument("--pms-error-rate", type=float, default=0.0, help="QloApps emulator error rate")
    parser.add_argument("--web-workers", type=int, default=2, help="local stack: web processes")
    parser.add_argument("--queue-workers", type=int, default=2, help="local stack: queue workers")
    parser.add_argument("--think", default="5,20", help="guest pause between messages (min,max seconds)")
    parser.add_argument("--drain-seconds", type=float, default=90.0)
    parser.add_argument("--report-root", default=str(DEFAULT_ROOT))
    parser.add_argument("--seed", type=int, default=0)
    return parser.parse_args(argv)


@contextlib.contextmanager
def target(args: argparse.Namespace, run_dir: Path) -> Iterator[tuple[str, str, str, list[int]]]:
    """(host, graph url, metrics urls, app pids) of the deployment to measure, started here when local."""
    if args.host:
        yield args.host, args.graph_url, args.metrics_urls, []
        return
    from tests.load.stack import StackOptions, local_stack

    low, _, high = args.pms_latency_ms.partition(",")
    options = StackOptions(
        pms=args.pms,
        pms_latency_ms=(int(low), int(high or low)),
        pms_error_rate=args.pms_error_rate,
        web_workers=args.web_workers,
        queue_workers=args.queue_workers,
    )
    with local_stack(options, run_dir / "logs") as stack:
        metrics = ",".join(f"{name}={url}" for name, url in stack.metrics.items())
        app_pids = [pid for name, pid in stack.pids.items() if name == "web" or name.startswith("worker")]
        yield stack.base_url, stack.graph_url, metrics, app_pids


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of these processes and their children (uvicorn's workers are children)."""
    import psutil

    total = 0.0
    for pid in pids:
        try:
            root = psutil.Process(pid)
            for process in [root, *root.children(recursive=True)]:
                times = process.cpu_times()
                total += times.user + times.system
        except psutil.NoSuchProcess:
            continue
    return total


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    length = args.length or ("full" if args.host else "short")
    where = "remote" if args.host else args.pms
    run_dir = (
        Path(args.report_root) / f"{time.strftime('%Y%m%d-%H%M%S')}-{args.scenario}-{args.channel}-{where}"
    )
    run_dir.mkdir(parents=True, exist_ok=True)
    started_load = os.getloadavg()
    with target(args, run_dir) as (host, graph_url, metrics_urls, app_pids):
        command = [
            sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless", "--only-summary",
            "--host", host, "--scenario", args.scenario, "--length", length, "--channel", args.channel,
            "--think", args.think, "--drain-seconds", str(args.drain_seconds),
            "--report-dir", str(run_dir), "--html", str(run_dir / "locust.html"),
            "--csv", str(run_dir / "locust"), "--label", f"pms={where}", "--seed", str(args.seed),
            "--loglevel", "WARNING",
        ]  # fmt: skip
        if args.duration:
            command += ["--duration", args.duration]
        if graph_url:
            command += ["--graph-url", graph_url]
        if metrics_urls:
            command += ["--metrics-urls", metrics_urls]
        if args.scenario == "smoke":
            command += ["--metrics-interval", "1"]
        cpu_before = cpu_seconds(app_pids)
        with (run_dir / "locust.log").open("wb") as log:
            result = subprocess.run(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, check=False)
        app_cpu = cpu_seconds(app_pids) - cpu_before
    summary = run_dir / "summary.json"
    if not summary.exists():
        print(f"the run failed (locust exit {result.returncode}): see {run_dir / 'locust.log'}")
        return 2
    messages = json.loads(summary.read_text())["values"]["messages"]
    host: dict[str, object] = {"load_average_at_start": [round(x, 2) for x in started_load]}
    if app_pids and messages:
        # Web + worker processes only (PostgreSQL, Redis and the fakes are not in it): what one host's
        # app needs per guest message, whatever else the machine is doing.
        host["app_cpu_seconds"] = round(app_cpu, 1)
        host["app_cpu_ms_per_message"] = round(1000 * app_cpu / messages, 1)
        host["messages_per_core_second"] = round(messages / app_cpu, 1) if app_cpu else None
    (run_dir / "host.json").write_text(json.dumps(host))
    from tests.load import report

    data = report.write(run_dir)  # again, with host.json's numbers
    values = data["values"]
    print(f"report: {run_dir / 'summary.md'}  (machine load at start {started_load[0]:.2f})")
    failed = False
    for check in data["checks"]:
        mark = "-" if check["ok"] is None else ("PASS" if check["ok"] else "FAIL")
        failed |= check["ok"] is False
        print(f"  {mark:4}  {check['name']:<20} {check['value']!s:>10}  ({check['threshold']})")
    print(
        f"  e2e P50/P95/P99 {values['e2e_p50_ms']}/{values['e2e_p95_ms']}/{values['e2e_p99_ms']} ms, "
        f"ack P95 {values['ack_p95_ms']} ms, {values['messages']} messages, lost {values['lost']}, "
        f"cache hit {values.get('cache_hit_rate')}, app CPU {values.get('app_cpu_ms_per_message')} ms/message"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
