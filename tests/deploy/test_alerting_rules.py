"""The shipped Prometheus and Alertmanager configuration, checked by the real promtool and amtool."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.services import require_binary

ROOT = Path(__file__).resolve().parents[2]
PROMETHEUS = ROOT / "deploy" / "prometheus"
ALERTMANAGER = ROOT / "deploy" / "alertmanager" / "alertmanager.yml"
RUNBOOKS = ROOT / "docs" / "runbooks.md"
RULE_FILES = sorted((PROMETHEUS / "alerts").glob("*.yml"))
RULE_TESTS = sorted((PROMETHEUS / "tests").glob("*_test.yml"))


def _run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


def alert_rules() -> list[dict[str, Any]]:
    rules: list[dict[str, Any]] = []
    for path in RULE_FILES:
        for group in yaml.safe_load(path.read_text())["groups"]:
            rules.extend(rule for rule in group["rules"] if "alert" in rule)
    return rules


def test_prometheus_config_and_rules_are_valid() -> None:
    promtool = require_binary("promtool")
    config = _run(promtool, "check", "config", str(PROMETHEUS / "prometheus.yml"))
    assert config.returncode == 0, config.stdout + config.stderr
    rules = _run(promtool, "check", "rules", *map(str, RULE_FILES))
    assert rules.returncode == 0, rules.stdout + rules.stderr


@pytest.mark.parametrize("test_file", RULE_TESTS, ids=lambda path: path.name)
def test_promtool_rule_unit_tests_pass(test_file: Path) -> None:
    promtool = require_binary("promtool")
    result = _run(promtool, "test", "rules", str(test_file))
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_alert_is_unit_tested_firing_and_not_firing() -> None:
    firing: set[str] = set()
    quiet: set[str] = set()
    for path in RULE_TESTS:
        for case in yaml.safe_load(path.read_text())["tests"]:
            for check in case["alert_rule_test"]:
                (firing if check["exp_alerts"] else quiet).add(check["alertname"])
    names = {rule["alert"] for rule in alert_rules()}
    assert names - firing == set(), "alerts without a firing test"
    assert names - quiet == set(), "alerts without a not-firing test"


def test_every_alert_has_summary_description_severity_and_a_runbook_section() -> None:
    anchors = {
        re.sub(r"[^a-z0-9 -]", "", line[3:].strip().lower()).replace(" ", "-")
        for line in RUNBOOKS.read_text().splitlines()
        if line.startswith("## ")
    }
    rules = alert_rules()
    assert len(rules) >= 14
    for rule in rules:
        name = rule["alert"]
        assert rule["labels"]["severity"] in {"critical", "warning", "info"}, name
        assert rule["annotations"]["summary"], name
        assert rule["annotations"]["description"], name
        url = rule["annotations"]["runbook_url"]
        assert url == f"docs/runbooks.md#{name.lower()}", name
        assert name.lower() in anchors, f"docs/runbooks.md has no section for {name}"


def test_alertmanager_config_is_valid() -> None:
    amtool = require_binary("amtool")
    result = _run(amtool, "check-config", str(ALERTMANAGER))
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("labels", "receiver"),
    [
        (["alertname=PMSCircuitBreakerOpen", "severity=critical"], "slack-and-email-critical"),
        (["alertname=DeadLetters", "severity=warning"], "slack-warnings"),
        (["alertname=TemplateMissingTranslations", "severity=info"], "email-content"),
        (["alertname=Unlabelled"], "email-oncall"),
    ],
)
def test_alerts_are_routed_by_severity(labels: list[str], receiver: str) -> None:
    amtool = require_binary("amtool")
    result = _run(amtool, "config", "routes", "test", "--config.file", str(ALERTMANAGER), *labels)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == receiver


def test_breaker_open_inhibits_the_pms_error_rate_alert_and_secrets_come_from_files() -> None:
    text = ALERTMANAGER.read_text()
    config = yaml.safe_load(text)
    assert {
        "source_matchers": ['alertname="PMSCircuitBreakerOpen"'],
        "target_matchers": ['alertname="PMSHighErrorRate"'],
    } in config["inhibit_rules"]
    assert "slack_api_url_file" in config["global"]
    assert "smtp_auth_password_file" in config["global"]
    assert "hooks.slack.com" not in text
    assert "smtp_auth_password:" not in text
