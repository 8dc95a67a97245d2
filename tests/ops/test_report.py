"""`hotel-agent ops report`: the daily checks from an app's /metrics, pass/fail and the exit code."""

from __future__ import annotations

import json
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from hotel_agent.cli import app
from hotel_agent.ops.report import PROMQL, checks_from, values_from_exposition
from tests.support.services import free_port, require_binary

HEALTHY = """
http_requests_total{method="GET",route="/health/live",status="200"} 995
http_requests_total{method="POST",route="/webhooks/whatsapp",status="500"} 5
pms_requests_total{operation="check_availability",outcome="success"} 90
pms_requests_total{operation="check_availability",outcome="request_error"} 10
pms_circuit_breaker_state 0
pms_cache_hits_total{kind="availability"} 80
pms_cache_misses_total{kind="availability"} 20
hotel_agent_whatsapp_queue_lag_seconds 2
hotel_agent_whatsapp_dead_letters 0
hotel_agent_goals_completed_total{goal="booking"} 9
hotel_agent_handoffs_requested_total{reason="guest_request"} 1
"""


def by_name(text: str) -> dict[str, bool]:
    return {check.name: check.ok for check in checks_from(values_from_exposition(text))}


def test_a_healthy_exposition_passes_every_check() -> None:
    assert all(by_name(HEALTHY).values())
    values = values_from_exposition(HEALTHY)
    assert values["error_rate"] == 0.005
    assert values["cache_hit_rate"] == 0.8
    assert values["automation_rate"] == 0.9


def test_each_threshold_fails_on_its_own() -> None:
    broken = (
        HEALTHY.replace('status="500"} 5', 'status="500"} 50')
        .replace("pms_circuit_breaker_state 0", "pms_circuit_breaker_state 1")
        .replace(
            'pms_cache_misses_total{kind="availability"} 20', 'pms_cache_misses_total{kind="availability"} 80'
        )
        .replace("queue_lag_seconds 2", "queue_lag_seconds 300")
        .replace("dead_letters 0", "dead_letters 3")
        .replace('reason="guest_request"} 1', 'reason="guest_request"} 9')
    )
    results = by_name(broken)
    assert [name for name, ok in results.items() if not ok] == [
        "error_rate",
        "breaker_closed",
        "cache_hit_rate",
        "queue_lag_seconds",
        "dead_letters",
        "automation_rate",
    ]


def test_the_command_reads_metrics_over_http_and_exits_non_zero_on_failure(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    served = {"text": HEALTHY}

    class Metrics(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = served["text"].encode() if self.path == "/metrics" else b""
            self.send_response(200 if self.path == "/metrics" else 404)
            self.send_header("content-type", "text/plain; version=0.0.4")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args: object) -> None:
            return

    monkeypatch.delenv("PROMETHEUS_URL", raising=False)
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Metrics)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        ok = CliRunner().invoke(app, ["ops", "report", "--url", url, "--json"])
        assert ok.exit_code == 0, ok.output
        assert json.loads(ok.output)["ok"] is True
        served["text"] = HEALTHY.replace("dead_letters 0", "dead_letters 3")
        failing = CliRunner().invoke(app, ["ops", "report", "--url", url])
        assert failing.exit_code == 1
        assert "FAIL  dead_letters" in failing.output
        unreachable = CliRunner().invoke(app, ["ops", "report", "--url", f"http://127.0.0.1:{free_port()}"])
        assert unreachable.exit_code == 2
    finally:
        server.shutdown()


def test_the_prometheus_queries_parse(tmp_path: Path) -> None:
    promtool = require_binary("promtool")
    rules = [
        {"record": f"hotel_agent:report_{name}", "expr": query.format(w="1d")}
        for name, query in PROMQL.items()
    ]
    path = tmp_path / "report.yml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "report", "rules": rules}]}))
    result = subprocess.run(
        [promtool, "check", "rules", str(path)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
