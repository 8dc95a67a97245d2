"""deploy/k8s/, rendered with `kubectl kustomize` and validated against the schemas:

- Kubernetes kinds: kubernetes-validate (PyPI, pinned), strict (unknown fields fail), Kubernetes 1.30.
- Argo Rollouts kinds (Rollout, AnalysisTemplate): deploy/k8s/validate/validate.mjs with
  @kubernetes-models/argo-rollouts (npm, pinned in package-lock.json), whose validators are generated
  from Argo Rollouts' Go API types, the CRD's own source. It checks types, enums and required fields, not
  unknown keys.
- The analysis queries are PromQL promtool accepts, and the canary is the one-host canary: the same
  steps, observation and thresholds as deploy/onehost/production.toml.
"""

from __future__ import annotations

import json
import re
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from tests.support.services import require_binary

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
VALIDATOR = K8S / "validate"
KUBERNETES_VERSION = "1.30.0"
ARGO_KINDS = {"Rollout", "AnalysisTemplate"}


def render(target: str) -> list[dict[str, Any]]:
    kubectl = require_binary("kubectl")
    result = subprocess.run(
        [kubectl, "kustomize", str(K8S / target)], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


@pytest.fixture(scope="module")
def production() -> list[dict[str, Any]]:
    return render("overlays/production")


def _by(docs: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    return next(d for d in docs if d["kind"] == kind and d["metadata"]["name"] == name)


@pytest.mark.parametrize("target", ["base", "overlays/staging", "overlays/production"])
def test_kubernetes_objects_validate_strictly(target: str) -> None:
    docs = render(target)
    core = [doc for doc in docs if doc["kind"] not in ARGO_KINDS]
    assert {"Deployment", "Service", "HorizontalPodAutoscaler", "PodDisruptionBudget", "Job"} <= {
        doc["kind"] for doc in core
    }
    for doc in core:
        try:
            kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.ValidationError as exc:
            pytest.fail(f"{doc['kind']}/{doc['metadata']['name']} in {target}: {exc.message} at {exc.path}")


def _argo_validate(docs: list[dict[str, Any]]) -> subprocess.CompletedProcess[str]:
    node = require_binary("node")
    if not (VALIDATOR / "node_modules" / "@kubernetes-models" / "argo-rollouts").exists():
        npm = require_binary("npm")
        installed = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=VALIDATOR,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert installed.returncode == 0, installed.stderr
    return subprocess.run(
        [node, "validate.mjs"],
        cwd=VALIDATOR,
        input=json.dumps(docs),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_argo_rollouts_objects_validate_against_the_rollouts_schema(production: list[dict[str, Any]]) -> None:
    argo = [doc for doc in production if doc["kind"] in ARGO_KINDS]
    assert sorted(doc["kind"] for doc in argo) == ["AnalysisTemplate"] * 3 + ["Rollout"] * 2
    result = _argo_validate(argo)
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert result.returncode == 0, [line for line in lines if line["errors"]] or result.stderr
    assert len(lines) == len(argo)
    # The validator is not a rubber stamp: a wrong type is reported.
    broken = json.loads(json.dumps(_by(argo, "Rollout", "hotel-agent-web")))
    broken["spec"]["strategy"]["canary"]["steps"][0]["setWeight"] = "ten"
    refused = _argo_validate([broken])
    assert refused.returncode == 1
    assert "setWeight must be integer" in refused.stdout


def test_the_canary_is_the_one_host_canary(production: list[dict[str, Any]]) -> None:
    onehost = tomllib.loads((ROOT / "deploy" / "onehost" / "production.toml").read_text())
    thresholds = onehost["thresholds"]
    for name, template in (
        ("hotel-agent-web", "hotel-agent-web-canary"),
        ("hotel-agent-worker", "hotel-agent-worker-canary"),
    ):
        rollout = _by(production, "Rollout", name)
        canary = rollout["spec"]["strategy"]["canary"]
        steps = canary["steps"]
        weights = [step["setWeight"] for step in steps if "setWeight" in step]
        assert weights == onehost["steps"], name
        pauses = [step["pause"]["duration"] for step in steps if "pause" in step]
        assert pauses == [f"{int(onehost['observation_seconds']) // 60}m"] * 3
        # Every pause is followed by its step analysis, before the weight goes up.
        for index, step in enumerate(steps):
            if "pause" in step:
                assert steps[index + 1]["analysis"]["templates"][0]["templateName"] == template
        assert canary["analysis"]["templates"][0]["templateName"] == "hotel-agent-breaker"
        assert rollout["spec"]["workloadRef"] == {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "name": name,
            "scaleDown": "progressively",
        }
        _by(production, "Deployment", name)
        assert _by(production, "HorizontalPodAutoscaler", name)["spec"]["scaleTargetRef"]["kind"] == "Rollout"
    web = _by(production, "Rollout", "hotel-agent-web")["spec"]["strategy"]["canary"]
    assert web["trafficRouting"]["nginx"]["stableIngress"] == "hotel-agent"
    _by(production, "Ingress", "hotel-agent")

    expected = {
        "window": f"{int(onehost['observation_seconds']) // 60}m",
        "error-rate-ratio": thresholds["error_rate_ratio"],
        "error-rate-min-delta": thresholds["error_rate_min_delta"],
        "p95-ratio": thresholds["p95_ratio"],
        "p95-min-delta-seconds": thresholds["p95_min_delta_seconds"],
        "clarification-rate-max-delta": thresholds["clarification_rate_max_delta"],
        "min-requests": thresholds["min_requests"],
        "min-turns": thresholds["min_turns"],
    }
    metrics: set[str] = set()
    for template in ("hotel-agent-web-canary", "hotel-agent-worker-canary"):
        spec = _by(production, "AnalysisTemplate", template)["spec"]
        args = {arg["name"]: arg.get("value") for arg in spec["args"]}
        for key, value in expected.items():
            assert str(args[key]) == str(value) or float(args[key]) == float(value), (template, key)
        metrics |= {metric["name"] for metric in spec["metrics"]}
    assert metrics == {"error-rate", "p95-latency", "clarification-rate"}
    assert (
        _by(production, "AnalysisTemplate", "hotel-agent-breaker")["spec"]["metrics"][0]["name"]
        == "breaker-open"
    )


def test_analysis_queries_are_valid_promql(production: list[dict[str, Any]], tmp_path: Path) -> None:
    promtool = require_binary("promtool")
    rules = []
    for template in (doc for doc in production if doc["kind"] == "AnalysisTemplate"):
        values = {arg["name"]: str(arg.get("value", "0123abcd")) for arg in template["spec"]["args"]}
        for metric in template["spec"]["metrics"]:
            query = re.sub(
                r"\{\{args\.([a-z0-9-]+)\}\}",
                lambda m, values=values: values[m.group(1)],  # type: ignore[misc]
                metric["provider"]["prometheus"]["query"],
            )
            assert "{{" not in query
            rules.append(
                {
                    "record": f"check:{template['metadata']['name']}:{metric['name']}".replace("-", "_"),
                    "expr": query,
                }
            )
    path = tmp_path / "queries.yml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "analysis", "rules": rules}]}))
    result = subprocess.run(
        [promtool, "check", "rules", str(path)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"SUCCESS: {len(rules)} rules found" in result.stdout


def test_pods_probe_health_run_as_non_root_and_gate_on_the_schema(production: list[dict[str, Any]]) -> None:
    web = _by(production, "Deployment", "hotel-agent-web")["spec"]["template"]["spec"]
    container = web["containers"][0]
    assert container["readinessProbe"]["httpGet"]["path"] == "/health/ready"
    assert container["livenessProbe"]["httpGet"]["path"] == "/health/live"
    for name in ("hotel-agent-web", "hotel-agent-worker"):
        pod = _by(production, "Deployment", name)["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["securityContext"]["runAsUser"] == 10001  # the Dockerfile's user
        assert "migrate --check" in " ".join(pod["initContainers"][0]["command"])
    job = _by(production, "Job", "hotel-agent-migrate")
    assert job["metadata"]["annotations"]["argocd.argoproj.io/hook"] == "PreSync"
    assert job["spec"]["template"]["spec"]["containers"][0]["command"] == ["hotel-agent", "migrate"]
    images = {
        container["image"]
        for doc in production
        if doc["kind"] in {"Deployment", "Job"}
        for container in doc["spec"]["template"]["spec"]["containers"]
    }
    assert images == {"ghcr.io/hotel-agent/hotel-agent:production"}
