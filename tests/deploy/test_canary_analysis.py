"""The canary's arithmetic and its nginx config: metrics windows, P95, triggers, weights, `nginx -t`."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from hotel_agent.ops.deploy import analysis, nginx
from hotel_agent.ops.deploy.config import DeployConfig, Thresholds
from hotel_agent.ops.deploy.metrics import ProcessSample, ReleaseWindow, parse, quantile, window
from hotel_agent.ops.deploy.state import DeployState, Instance, Release

EXPOSITION = """\
# TYPE http_requests counter
http_requests_total{method="POST",route="/api/v1/messages",status="200"} 90.0
http_requests_total{method="POST",route="/api/v1/messages",status="503"} 10.0
http_requests_total{method="GET",route="/health/ready",status="503"} 40.0
# TYPE http_request_duration_seconds histogram
http_request_duration_seconds_bucket{le="0.1",method="POST",route="/api/v1/messages"} 50.0
http_request_duration_seconds_bucket{le="0.5",method="POST",route="/api/v1/messages"} 100.0
http_request_duration_seconds_bucket{le="+Inf",method="POST",route="/api/v1/messages"} 100.0
http_request_duration_seconds_count{method="POST",route="/api/v1/messages"} 100.0
http_request_duration_seconds_sum{method="POST",route="/api/v1/messages"} 12.0
# TYPE pms_circuit_breaker_state gauge
pms_circuit_breaker_state 1.0
# TYPE hotel_agent_conversation_turns counter
hotel_agent_conversation_turns_total{intent="greeting"} 30.0
# TYPE hotel_agent_conversation_clarifications counter
hotel_agent_conversation_clarifications_total 6.0
# TYPE hotel_agent_whatsapp_messages_processed counter
hotel_agent_whatsapp_messages_processed_total{outcome="done"} 18.0
hotel_agent_whatsapp_messages_processed_total{outcome="retry"} 2.0
"""
IGNORED = ["/health/ready", "/health/live", "/metrics"]


def test_parse_sums_guest_traffic_and_leaves_probes_out() -> None:
    sample = parse(EXPOSITION, IGNORED)
    assert sample.requests == 100
    assert sample.errors == 10
    assert sample.buckets == {0.1: 50, 0.5: 100, float("inf"): 100}
    assert sample.breaker_open is True
    assert (sample.turns, sample.clarifications) == (30, 6)
    assert (sample.jobs, sample.failed_jobs) == (20, 2)


def test_window_counts_a_restarted_process_from_zero_and_p95_interpolates() -> None:
    before = {1: ProcessSample(requests=100, errors=5, buckets={0.1: 60, 1.0: 100, float("inf"): 100})}
    after = {
        1: ProcessSample(requests=300, errors=5, buckets={0.1: 160, 1.0: 300, float("inf"): 300}),
        2: ProcessSample(requests=20, errors=20, buckets={0.1: 0, 1.0: 20, float("inf"): 20}),  # new process
    }
    result = window(before, after, ["worker:1 ConnectError"])
    assert result.requests == 220
    assert result.errors == 20
    assert result.error_rate == pytest.approx(20 / 220)
    assert result.buckets == {0.1: 100, 1.0: 220, float("inf"): 220}
    # rank 0.95 * 220 = 209 lies in (0.1, 1.0]: 0.1 + 0.9 * (209 - 100) / 120
    assert result.p95_seconds == pytest.approx(0.1 + 0.9 * 109 / 120)
    assert result.unscraped == ["worker:1 ConnectError"]
    assert quantile(0.95, {}) is None
    assert quantile(0.5, {0.1: 0, float("inf"): 0}) is None


def test_triggers_fire_on_the_plans_conditions_with_their_numbers() -> None:
    thresholds = Thresholds(min_requests=50, min_turns=20)
    stable = ReleaseWindow(requests=1000, errors=10, buckets={0.1: 950, 1.0: 1000, float("inf"): 1000})
    stable.turns, stable.clarifications = 200, 20
    bad = ReleaseWindow(requests=100, errors=5, buckets={0.1: 10, 1.0: 100, float("inf"): 100})
    bad.turns, bad.clarifications, bad.breaker_open_processes = 40, 20, 1
    fired = {t.name: t for t in analysis.judge(stable, bad, thresholds) if t.fired}
    assert set(fired) == {"error_rate", "p95_latency", "breaker_open", "clarification_rate"}
    assert fired["error_rate"].canary == pytest.approx(0.05)
    assert fired["error_rate"].limit == pytest.approx(0.02)  # max(2 x 1%, 1% + 1 point)
    assert fired["clarification_rate"].canary == pytest.approx(0.5)
    assert analysis.verdict(list(fired.values())) == "fail"

    same = ReleaseWindow(requests=100, errors=1, buckets={0.1: 95, 1.0: 100, float("inf"): 100})
    triggers = analysis.judge(stable, same, thresholds)
    assert [t.name for t in triggers if t.fired] == []
    assert analysis.verdict(triggers) == "pass"


def test_a_quiet_canary_is_not_judged_on_noise_but_an_open_breaker_always_counts() -> None:
    thresholds = Thresholds(min_requests=50)
    stable = ReleaseWindow(requests=1000, errors=0)
    quiet = ReleaseWindow(requests=3, errors=3)  # 100% errors, on three requests
    triggers = analysis.judge(stable, quiet, thresholds)
    assert analysis.verdict(triggers) == "insufficient_data"
    assert not any(t.fired for t in triggers)
    quiet.breaker_open_processes = 1
    assert analysis.verdict(analysis.judge(stable, quiet, thresholds)) == "fail"


def test_report_has_the_documented_versioned_shape() -> None:
    stable, canary = ReleaseWindow(requests=10), ReleaseWindow(requests=10)
    triggers = analysis.judge(stable, canary, Thresholds(min_requests=5))
    document = analysis.report(
        environment="staging",
        canary_weight=10,
        window_seconds=4.0,
        stable=analysis.release_summary("v1", stable, 3),
        canary=analysis.release_summary("v2", canary, 2),
        triggers=triggers,
        thresholds=Thresholds(),
        action="none",
    )
    assert document["schema"] == "hotel-agent.canary-diff"
    assert document["schema_version"] == 1
    assert set(document) >= {"stable", "canary", "triggers", "fired", "verdict", "action", "thresholds"}
    assert [t["name"] for t in document["triggers"]] == [
        "error_rate",
        "p95_latency",
        "breaker_open",
        "clarification_rate",
    ]


def _release(name: str, ports: list[int]) -> Release:
    return Release(
        name=name,
        directory="/srv",
        instances=[Instance(role="web", pid=1, port=port, log="x") for port in ports],
    )


def test_upstream_weights_give_the_canary_its_share_whatever_the_process_counts() -> None:
    state = DeployState(environment="t", stable=_release("v1", [1, 2, 3]), canary=_release("v2", [4]))
    for share in (10, 25, 50):
        state.canary_weight = share
        servers = nginx.upstream_servers(state, "127.0.0.1")
        canary = sum(s.weight for s in servers if s.release == "canary")
        assert canary / sum(s.weight for s in servers) == pytest.approx(share / 100)
    state.canary_weight = 0
    assert {s.release for s in nginx.upstream_servers(state, "127.0.0.1")} == {"stable"}


@pytest.mark.skipif(shutil.which("nginx") is None, reason="nginx is installed by .ci/run")
def test_the_rendered_config_passes_nginx_t(tmp_path: Path) -> None:
    config = DeployConfig(environment="t", directory=tmp_path, listen="127.0.0.1:18999")
    state = DeployState(
        environment="t",
        stable=_release("v1", [18001, 18002]),
        canary=_release("v2", [18003]),
        canary_weight=10,
    )
    root = nginx.prefix(config)
    for folder in ("logs", "tmp"):
        (root / folder).mkdir(parents=True)
    rendered = nginx.render(config, state)
    assert "server 127.0.0.1:18003 weight=20 max_fails=0;  # canary" in rendered
    assert "non_idempotent" in rendered
    (root / "nginx.conf").write_text(rendered)
    result = subprocess.run(
        ["nginx", "-t", "-p", str(root), "-c", str(root / "nginx.conf")], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
