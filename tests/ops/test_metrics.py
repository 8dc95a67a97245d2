"""Prometheus metrics: route templates as labels, and correct totals across worker processes."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import httpx

from tests.support.services import free_port


async def test_requests_are_counted_by_route_template_not_raw_path(app_client) -> None:  # type: ignore[no-untyped-def]
    await app_client.get("/health/live")
    await app_client.get("/no/such/path/12345")
    text = (await app_client.get("/metrics")).text
    assert 'http_requests_total{method="GET",route="/health/live",status="200"}' in text
    assert 'route="unmatched",status="404"' in text
    assert "/no/such/path/12345" not in text
    assert 'http_request_duration_seconds_bucket{le="0.005",method="GET",route="/health/live"}' in text


def test_metrics_add_up_across_two_worker_processes(sqlite_url: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": sqlite_url,
        "LOG_FORMAT": "json",
        "LOG_LEVEL": "WARNING",
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path),
    }
    env.pop("REDIS_URL", None)
    server = subprocess.Popen(
        [sys.executable, "-m", "hotel_agent", "serve", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"http://127.0.0.1:{port}/health/live", timeout=1)
                break
            except httpx.TransportError:
                assert server.poll() is None, server.stderr.read().decode() if server.stderr else ""
                assert time.monotonic() < deadline, "server did not start"
                time.sleep(0.2)
        # New connections each time, so the kernel spreads them over both workers.
        for _ in range(40):
            httpx.get(f"http://127.0.0.1:{port}/health/live", timeout=5)
        text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
        line = next(
            row
            for row in text.splitlines()
            if row.startswith('http_requests_total{method="GET",route="/health/live",status="200"}')
        )
        assert float(line.rsplit(" ", 1)[1]) >= 41  # 40 + the readiness poll, summed over workers
    finally:
        server.terminate()
        # A worker still loading the NLU model on a loaded machine finishes that before it can stop.
        try:
            server.wait(timeout=90)
        except subprocess.TimeoutExpired:
            server.kill()
            raise
