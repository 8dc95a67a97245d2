"""The shipped monitoring against a real deployment: a real Prometheus scrapes 2 web workers and a queue
worker (PostgreSQL, Redis, the QloApps emulator, the fake Graph API), a real Alertmanager notifies a
webhook on loopback.

One scenario (the module fixture) drives it: guest traffic over REST and signed WhatsApp webhooks, then
the QloApps emulator is stopped while guests ask for availability (PMSCircuitBreakerOpen must fire and
reach the webhook through Alertmanager), then started again (the alert must resolve). The tests then read
what happened: every expression of every dashboard panel, rule and `ops report` evaluates, every metric
they read is exported, and the notifications arrived.

Only what a test needs is adapted in the test copies: targets, 2 s scrape and 1 s evaluation intervals,
the breaker alert's `for:` (1m -> 2s), Alertmanager's receivers (the webhook instead of Slack/email) and
its group timers. Routing, grouping and inhibition are the shipped ones.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from tools.fake_graph_api.server import running_fake
from tools.qloapps_emulator import DEFAULT_API_KEY

from hotel_agent.channels.whatsapp.simulation import message_payload, signed_request, webhook
from hotel_agent.ops.dashboards import DASHBOARDS
from hotel_agent.ops.dashboards.model import SqlQuery
from tests.support.cluster import ROOT, cluster_env, fresh_database
from tests.support.monitoring import PROMETHEUS_DIR, RULE_FILES, Expression, all_expressions, metrics_read
from tests.support.processes import stop_all
from tests.support.services import free_port, require_binary, require_postgres, require_redis
from tests.support.whatsapp import APP_SECRET, PHONE_NUMBER_ID, new_guest

# Bounded by the waits below (start-ups, then at most 2 x 120 s for the alert); the default 240 s per
# test is too little for the fixture's start-ups on a loaded machine.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]
ALERTMANAGER_CONFIG = ROOT / "deploy" / "alertmanager" / "alertmanager.yml"
BREAKER_ALERT = "PMSCircuitBreakerOpen"
# Generous: on a loaded 2-core machine a Python process that loads the app can take a minute to start.
START_SECONDS = 240
# Series that only exist after an event this scenario does not cause (their names are still checked
# against the code by tests/deploy/test_dashboards.py): each with the event.
EVENT_ONLY = {
    "hotel_agent_bot_bookings_total": "a booking made through the bot",
    "hotel_agent_bot_booking_value_total": "a booking made through the bot",
    "hotel_agent_template_render_failures_total": "an operator's template text failing at run time",
    "hotel_agent_template_missing_total": "a guest language a template has no text in",
    "hotel_agent_nlu_low_confidence_total": "an intent scored below the clarification threshold",
    "hotel_agent_queue_worker_restarts_total": "a queue worker crash or wedge",
    "hotel_agent_whatsapp_rejected_items_total": "an unreadable part of a signed delivery",
    "hotel_agent_whatsapp_duplicates_total": "a redelivered webhook",
    "hotel_agent_experiment_exposures_total": "a running experiment",
    "hotel_agent_experiment_conversions_total": "a running experiment",
    "hotel_agent_experiment_fallbacks_total": "a running experiment",
    "hotel_agent_experiment_cancellations_total": "a running experiment",
}


class Receiver(ThreadingHTTPServer):
    notifications: list[dict[str, Any]]


class _Handler(BaseHTTPRequestHandler):
    server: Receiver

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.server.notifications.append(json.loads(body))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        return


@dataclass
class Scenario:
    prometheus: str
    database_url: str
    notifications: list[dict[str, Any]]
    fired_after: float = 0.0
    resolved_after: float = 0.0
    timeline: list[str] = field(default_factory=list)

    def breaker_notifications(self, status: str) -> list[dict[str, Any]]:
        return [
            alert
            for notification in self.notifications
            for alert in notification["alerts"]
            if alert["labels"]["alertname"] == BREAKER_ALERT and alert["status"] == status
        ]


def _wait(what: str, check: Any, within: float, interval: float = 0.5) -> float:
    started = time.monotonic()
    while True:
        if check():
            return time.monotonic() - started
        if time.monotonic() - started > within:
            raise AssertionError(f"{what}: not within {within:.0f} s")
        time.sleep(interval)


def _start_emulator(port: int, logs: Path, running: list[subprocess.Popen[bytes]]) -> None:
    log = (logs / "qloapps.log").open("ab")
    process = subprocess.Popen(
        [sys.executable, "-m", "tools.qloapps_emulator", "--port", str(port)],
        cwd=ROOT,
        stdout=log,
        stderr=log,
    )
    running.append(process)

    def up() -> bool:
        try:
            httpx.get(f"http://127.0.0.1:{port}/api/", timeout=1)
        except httpx.TransportError:
            assert process.poll() is None, "the QloApps emulator exited"
            return False
        return True

    _wait("QloApps emulator up", up, START_SECONDS)


def _start_web(
    env: dict[str, str], logs: Path, processes: list[subprocess.Popen[bytes]]
) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = (logs / "web.log").open("ab")
    process = subprocess.Popen(
        [sys.executable, "-m", "hotel_agent", "serve", "--port", str(port), "--workers", "2"],
        env={**env, "QUEUE_IN_PROCESS_WORKER": "false"},
        cwd=ROOT,
        stdout=log,
        stderr=log,
    )
    processes.append(process)

    def ready() -> bool:
        assert process.poll() is None, f"web exited: see {logs / 'web.log'}"
        try:
            return httpx.get(f"{url}/health/ready", timeout=2).status_code == 200
        except httpx.TransportError:
            return False

    # The caller's teardown terminates it (not kill: uvicorn's supervisor then stops its workers).
    _wait("web (2 workers) ready", ready, START_SECONDS)
    return process, url


def _start_worker(
    env: dict[str, str], logs: Path, metrics_port: int, processes: list[subprocess.Popen[bytes]]
) -> subprocess.Popen[bytes]:
    log_path = logs / "worker.log"
    log = log_path.open("ab")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "hotel_agent",
            "worker",
            "--concurrency",
            "4",
            "--metrics-port",
            str(metrics_port),
        ],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=log,
    )
    processes.append(process)

    def started() -> bool:
        assert process.poll() is None, f"worker exited: see {log_path}"
        return b"worker.started" in log_path.read_bytes()

    _wait("queue worker started", started, START_SECONDS, 0.2)
    return process


def _prometheus_files(work: Path, web: str, worker: str, alertmanager: str) -> Path:
    config = yaml.safe_load((PROMETHEUS_DIR / "prometheus.yml").read_text())
    config["global"].update(scrape_interval="2s", scrape_timeout="2s", evaluation_interval="1s")
    config["alerting"]["alertmanagers"][0]["static_configs"][0]["targets"] = [alertmanager]
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    jobs["hotel-agent-web"]["static_configs"][0]["targets"] = [web]
    jobs["hotel-agent-worker"]["static_configs"][0]["targets"] = [worker]
    alerts = work / "alerts"
    alerts.mkdir()
    for path in RULE_FILES:
        rules = yaml.safe_load(path.read_text())
        for group in rules["groups"]:
            for rule in group["rules"]:
                if rule.get("alert") == BREAKER_ALERT:
                    rule["for"] = "2s"
        (alerts / path.name).write_text(yaml.safe_dump(rules, sort_keys=False))
    path = work / "prometheus.yml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def _alertmanager_file(work: Path, receiver_url: str) -> Path:
    config = yaml.safe_load(ALERTMANAGER_CONFIG.read_text())
    secrets = work / "secrets"
    secrets.mkdir()
    for key in ("smtp_auth_password_file", "slack_api_url_file"):
        secret = secrets / key
        secret.write_text("unused-in-this-test")
        config["global"][key] = str(secret)
    for receiver in config["receivers"]:
        for kind in [name for name in receiver if name.endswith("_configs")]:
            del receiver[kind]
        receiver["webhook_configs"] = [{"url": receiver_url, "send_resolved": True}]

    def shorten(route: dict[str, Any]) -> None:
        for timer in ("group_wait", "group_interval"):
            if timer in route:
                route[timer] = "1s"
        for child in route.get("routes", []):
            shorten(child)

    shorten(config["route"])
    config["route"].update(group_wait="1s", group_interval="1s")
    path = work / "alertmanager.yml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def _start(command: list[str], logs: Path, name: str, ready_url: str) -> subprocess.Popen[bytes]:
    log = (logs / f"{name}.log").open("ab")
    process = subprocess.Popen(command, stdout=log, stderr=log)

    def ready() -> bool:
        assert process.poll() is None, f"{name} exited: see {logs / f'{name}.log'}"
        try:
            return httpx.get(ready_url, timeout=1).status_code == 200
        except httpx.TransportError:
            return False

    _wait(f"{name} ready", ready, 60)
    return process


def _ask_availability(client: httpx.Client, guest: str, offset: int) -> None:
    checkin = date.today() + timedelta(days=30 + offset % 300)
    checkout = checkin + timedelta(days=2)
    response = client.post(
        "/api/v1/messages",
        json={
            "conversation_id": guest,
            "text": f"Do you have a room from {checkin:%B %d} to {checkout:%B %d} for 2 adults?",
            "message_id": uuid.uuid4().hex,
            "now": datetime.now().isoformat(timespec="seconds"),
        },
    )
    assert response.status_code == 200, response.text


def _query(prometheus: str, promql: str) -> dict[str, Any]:
    response = httpx.get(f"{prometheus}/api/v1/query", params={"query": promql}, timeout=10)
    return dict(response.json())


def _firing(prometheus: str) -> set[str]:
    response = httpx.get(f"{prometheus}/api/v1/alerts", timeout=5).json()
    return {
        alert["labels"]["alertname"] for alert in response["data"]["alerts"] if alert["state"] == "firing"
    }


def _traffic(web: httpx.Client, scenario: Scenario) -> None:
    """Guests over REST (the web processes call the PMS) and over WhatsApp (the worker does)."""
    for number in range(6):
        guest = f"guest-live-{number}-{uuid.uuid4().hex[:6]}"
        _ask_availability(web, guest, number % 3)  # repeated stays: cache hits and misses
        for text_ in ("What time is check-in?", "asdfgh qwerty zxcv", "I want to talk to a person"):
            web.post("/api/v1/messages", json={"conversation_id": guest, "text": text_})
    for number in range(4):
        payload = webhook(
            PHONE_NUMBER_ID,
            messages=[message_payload(wa_id=new_guest(), text=f"Hello, is there parking? {number}")],
        )
        body, headers = signed_request(payload, APP_SECRET)
        assert web.post("/webhooks/whatsapp", content=body, headers=headers).status_code == 200
    refused = web.post(
        "/webhooks/whatsapp", content=b"{}", headers={"X-Hub-Signature-256": "sha256=" + "0" * 64}
    )
    assert refused.status_code == 401
    web.get("/no-such-page")
    scenario.timeline.append("traffic sent")


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scenario]:
    require_postgres()
    require_redis()
    prometheus_bin = require_binary("prometheus")
    alertmanager_bin = shutil.which("prometheus-alertmanager") or require_binary("alertmanager")
    work = tmp_path_factory.mktemp("live-monitoring")
    receiver = Receiver(("127.0.0.1", 0), _Handler)
    receiver.notifications = []
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    receiver_url = f"http://127.0.0.1:{receiver.server_address[1]}/alerts"
    processes: list[subprocess.Popen[bytes]] = []
    emulator_port = free_port()
    emulator: list[subprocess.Popen[bytes]] = []
    try:
        with fresh_database() as database_url, running_fake() as fake:
            _start_emulator(emulator_port, work, emulator)
            env = cluster_env(
                database_url,
                fake.url,
                work,
                pms_type="qloapps",
                pms_base_url=f"http://127.0.0.1:{emulator_port}",
                pms_api_key=DEFAULT_API_KEY,
                pms_hotel_id="1",
                pms_timeout_seconds="2",
                pms_breaker_failure_threshold="2",
                pms_breaker_recovery_seconds="3",
            )
            _, web_url = _start_web(env, work, processes)
            fake.fake.config.webhook_url = f"{web_url}/webhooks/whatsapp"
            fake.fake.config.app_secret = APP_SECRET
            worker_port = free_port()
            _start_worker(env, work, worker_port, processes)
            am_port, prom_port = free_port(), free_port()
            alertmanager = f"http://127.0.0.1:{am_port}"
            processes.append(
                _start(
                    [
                        alertmanager_bin,
                        f"--config.file={_alertmanager_file(work, receiver_url)}",
                        f"--storage.path={work / 'alertmanager-data'}",
                        f"--web.listen-address=127.0.0.1:{am_port}",
                        "--cluster.listen-address=",
                    ],
                    work,
                    "alertmanager",
                    f"{alertmanager}/-/ready",
                )
            )
            prometheus = f"http://127.0.0.1:{prom_port}"
            config = _prometheus_files(
                work, web_url.removeprefix("http://"), f"127.0.0.1:{worker_port}", f"127.0.0.1:{am_port}"
            )
            processes.append(
                _start(
                    [
                        prometheus_bin,
                        f"--config.file={config}",
                        f"--storage.tsdb.path={work / 'prometheus-data'}",
                        f"--web.listen-address=127.0.0.1:{prom_port}",
                    ],
                    work,
                    "prometheus",
                    f"{prometheus}/-/ready",
                )
            )
            state = Scenario(
                prometheus=prometheus, database_url=database_url, notifications=receiver.notifications
            )

            def targets_up() -> bool:
                result = _query(prometheus, 'sum(up{job=~"hotel-agent.*"})')["data"]["result"]
                return bool(result) and float(result[0]["value"][1]) == 2

            _wait("both targets scraped", targets_up, 60)
            with httpx.Client(base_url=web_url, timeout=30) as web:
                _traffic(web, state)
                # The emulator goes away while guests keep asking for availability.
                emulator.pop().terminate()
                started = time.monotonic()
                asked = iter(range(100, 10_000))

                def fired() -> bool:
                    _ask_availability(web, f"guest-outage-{uuid.uuid4().hex[:6]}", next(asked))
                    return bool(state.breaker_notifications("firing"))

                _wait("PMSCircuitBreakerOpen notified", fired, 120, 1.0)
                state.fired_after = time.monotonic() - started
                state.timeline.append(f"breaker alert notified {state.fired_after:.1f} s after the stop")
                _start_emulator(emulator_port, work, emulator)
                started = time.monotonic()

                def resolved() -> bool:
                    _ask_availability(web, f"guest-back-{uuid.uuid4().hex[:6]}", next(asked))
                    return bool(state.breaker_notifications("resolved"))

                _wait("PMSCircuitBreakerOpen resolved", resolved, 120, 1.0)
                state.resolved_after = time.monotonic() - started
                state.timeline.append(f"resolution notified {state.resolved_after:.1f} s after the restart")
            # A few more scrapes and evaluations after the last traffic.
            time.sleep(3)
            yield state
    finally:
        stop_all([*reversed(processes), *emulator])
        receiver.shutdown()


def test_the_breaker_alert_reaches_the_webhook_through_alertmanager_and_resolves(scenario: Scenario) -> None:
    firing = scenario.breaker_notifications("firing")
    assert firing, scenario.timeline
    alert = firing[0]
    assert alert["labels"]["severity"] == "critical"
    assert alert["annotations"]["runbook_url"] == "docs/runbooks.md#pmscircuitbreakeropen"
    assert alert["annotations"]["summary"] == "PMS circuit breaker OPEN"
    # The critical route's receiver got it (receivers point at the webhook, routing is the shipped one).
    receivers = {
        n["receiver"] for n in scenario.notifications if n["groupLabels"].get("alertname") == BREAKER_ALERT
    }
    assert "slack-and-email-critical" in receivers
    assert scenario.breaker_notifications("resolved")
    assert BREAKER_ALERT not in _firing(scenario.prometheus)
    print(*scenario.timeline, sep="\n")


@pytest.mark.parametrize("expression", all_expressions(), ids=lambda expression: expression.where)
def test_every_expression_evaluates_against_the_real_prometheus(
    scenario: Scenario, expression: Expression
) -> None:
    answer = _query(scenario.prometheus, expression.promql)
    assert answer["status"] == "success", answer
    assert "warnings" not in answer, answer


def test_every_metric_the_monitoring_reads_is_exported(scenario: Scenario) -> None:
    response = httpx.get(f"{scenario.prometheus}/api/v1/label/__name__/values", timeout=10).json()
    exported = set(response["data"])
    missing: dict[str, list[str]] = {}
    for expression in all_expressions():
        for name in metrics_read(expression.promql):
            if name in EVENT_ONLY:
                continue
            if name not in exported:
                missing.setdefault(name, []).append(expression.where)
    assert missing == {}, "read by panels or rules, but not exported by the running app"


def test_every_sql_panel_runs_on_the_apps_postgresql(scenario: Scenario) -> None:
    import asyncio

    sql = [
        (panel.title, query.sql)
        for dashboard in DASHBOARDS
        for panel in dashboard.panels
        for query in panel.queries
        if isinstance(query, SqlQuery)
    ]
    assert sql

    async def run() -> dict[str, int]:
        engine = create_async_engine(scenario.database_url)
        try:
            counts = {}
            async with engine.connect() as connection:
                for title, statement in sql:
                    filled = statement.replace(
                        "$__timeFilter(u.used_at)", "u.used_at > now() - interval '1 day'"
                    ).replace("$__timeFilter(x.exposed_at)", "x.exposed_at > now() - interval '1 day'")
                    assert "$" not in filled, title
                    counts[title] = len((await connection.execute(text(filled))).all())
            return counts
        finally:
            await engine.dispose()

    counts = asyncio.run(run())
    # The guests above were answered from templates whose usage is recorded per version.
    assert counts["Conversion by template version"] > 0, counts
