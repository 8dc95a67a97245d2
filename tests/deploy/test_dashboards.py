"""The Grafana dashboards and docs/metrics.md, checked against the code and the alert rules.

Whether each expression evaluates against a real Prometheus scraping a real deployment is
tests/deploy/test_live_monitoring.py; this file checks what needs no running system.
"""

from __future__ import annotations

import json
import re

import pytest
import yaml
from typer.testing import CliRunner

from hotel_agent.cli import app
from hotel_agent.ops.dashboards import DASHBOARDS, stale_files, write_dashboards
from hotel_agent.ops.dashboards.model import Kind, Panel, PromQuery
from tests.support.monitoring import (
    ROOT,
    Expression,
    all_expressions,
    dashboard_expressions,
    declared_metrics,
    family_name,
    metrics_read,
    report_expressions,
    rule_expressions,
    selectors,
)

GRAFANA = ROOT / "deploy" / "grafana"
DOCS = ROOT / "docs" / "metrics.md"
PROMETHEUS_OWN = {"up"}


def test_committed_dashboards_are_what_the_definitions_generate() -> None:
    assert stale_files(GRAFANA / "dashboards") == [], "run `hotel-agent ops dashboards`"
    assert sorted(path.name for path in (GRAFANA / "dashboards").glob("*.json")) == sorted(
        dashboard.file_name for dashboard in DASHBOARDS
    )


def test_the_command_writes_and_checks(tmp_path: object) -> None:
    from pathlib import Path

    directory = Path(str(tmp_path))
    runner = CliRunner()
    stale = runner.invoke(app, ["ops", "dashboards", "--check", "--dir", str(directory)])
    assert stale.exit_code == 1
    assert "stale dashboards" in stale.output
    assert runner.invoke(app, ["ops", "dashboards", "--dir", str(directory)]).exit_code == 0
    fresh = runner.invoke(app, ["ops", "dashboards", "--check", "--dir", str(directory)])
    assert fresh.exit_code == 0, fresh.output
    (directory / "pms.json").write_text("{}")
    assert stale_files(directory) == ["pms.json"]
    write_dashboards(directory)
    assert stale_files(directory) == []


def test_a_panel_without_description_or_unit_does_not_build() -> None:
    with pytest.raises(ValueError, match="description and a unit"):
        Panel("Untitled", "", "short", (PromQuery("up"),))
    with pytest.raises(ValueError, match="description and a unit"):
        Panel("Untitled", "What it shows.", " ", (PromQuery("up"),))


def test_the_three_dashboards_cover_what_the_issue_asks() -> None:
    titles = {dashboard.uid: {panel.title for panel in dashboard.panels} for dashboard in DASHBOARDS}
    assert {
        "Requests per second by route",
        "Latency percentiles per route",
        "5xx ratio",
        "Errors by route and status",
        "Queue depth",
        "Queue lag",
    } <= titles["hotel-agent-application"]
    assert {
        "Latency per operation",
        "Errors by kind",
        "Breaker state timeline",
        "Cache hit rate",
    } <= titles["hotel-agent-pms"]
    assert {
        "Conversations started",
        "Automation rate",
        "Bookings through the bot",
        "Booking value",
        "Handoffs by reason",
        "Handoff wait",
        "Conversion by template version",
        "Conversion by experiment variant",
    } <= titles["hotel-agent-business"]


def test_every_panel_in_the_json_has_a_description_a_unit_and_a_provisioned_datasource() -> None:
    provisioned = yaml.safe_load((GRAFANA / "provisioning" / "datasources" / "hotel-agent.yml").read_text())
    uids = {source["uid"]: source["type"] for source in provisioned["datasources"]}
    provider = yaml.safe_load((GRAFANA / "provisioning" / "dashboards" / "hotel-agent.yml").read_text())
    assert provider["providers"][0]["type"] == "file"
    for path in sorted((GRAFANA / "dashboards").glob("*.json")):
        dashboard = json.loads(path.read_text())
        assert dashboard["uid"], path.name
        assert dashboard["title"], path.name
        assert dashboard["schemaVersion"] >= 36, path.name
        panels = [panel for panel in dashboard["panels"] if panel["type"] != "row"]
        assert len(panels) >= 8, path.name
        ids = [panel["id"] for panel in dashboard["panels"]]
        assert len(ids) == len(set(ids)), f"{path.name}: panel ids repeat"
        for panel in panels:
            where = f"{path.name}: {panel['title']}"
            assert panel["type"] in {kind.value for kind in Kind}, where
            assert panel["description"].strip(), where
            assert panel["fieldConfig"]["defaults"]["unit"], where
            assert uids[panel["datasource"]["uid"]] == panel["datasource"]["type"], where
            assert panel["targets"], where
            for target in panel["targets"]:
                assert target["datasource"] == panel["datasource"], where
                assert target.get("expr") or target.get("rawSql"), where
            grid = panel["gridPos"]
            assert grid["x"] >= 0, where
            assert grid["x"] + grid["w"] <= 24, where


@pytest.mark.parametrize("expression", all_expressions(), ids=lambda expression: expression.where)
def test_every_expression_parses(expression: Expression) -> None:
    promql = expression.promql
    assert "$" not in promql, "a Grafana variable the tests do not substitute"
    assert selectors(promql), "an expression that reads no metric"


def _docs_rows() -> dict[str, tuple[str, list[str]]]:
    """metric -> (type, used-by entries), from the tables of docs/metrics.md."""
    rows: dict[str, tuple[str, list[str]]] = {}
    for line in DOCS.read_text().splitlines():
        if not line.startswith("| `"):
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        for name in re.findall(r"`([a-z_:]+)`", cells[0]):
            assert name not in rows, f"docs/metrics.md lists {name} twice"
            rows[name] = (cells[1], [entry.strip() for entry in cells[-1].split(";")])
    return rows


def _computed_uses() -> dict[str, set[str]]:
    histograms = {name for name, kind in declared_metrics().items() if kind == "histogram"}
    uses: dict[str, set[str]] = {}
    alerts = [expression for expression in rule_expressions() if expression.where.startswith("alert ")]
    for expression in dashboard_expressions() + alerts + report_expressions():
        where = expression.where
        if where.startswith("report "):
            where = f"report `{where.removeprefix('report ')}`"
        for name in metrics_read(expression.promql):
            uses.setdefault(family_name(name, histograms), set()).add(where)
    return uses


def test_docs_list_every_declared_metric_with_its_type() -> None:
    rows = _docs_rows()
    declared = declared_metrics()
    assert set(declared) - set(rows) == set(), "metrics the code declares that docs/metrics.md omits"
    assert set(rows) - set(declared) - PROMETHEUS_OWN == set(), "documented but not declared"
    for name, kind in declared.items():
        assert rows[name][0] == kind, f"docs/metrics.md says {name} is a {rows[name][0]}, the code a {kind}"


def test_docs_used_by_is_exactly_what_dashboards_alerts_and_the_report_read() -> None:
    rows = _docs_rows()
    computed = _computed_uses()
    for name, (_, entries) in rows.items():
        documented = {entry for entry in entries if entry.split(":")[0] in {"App", "PMS", "Biz"}}
        documented |= {entry for entry in entries if entry.startswith(("alert ", "report "))}
        assert documented == computed.get(name, set()), name
        assert entries != [""], f"{name}: docs/metrics.md says nothing uses it"


def test_every_metric_the_monitoring_reads_is_declared_by_the_app() -> None:
    declared = declared_metrics()
    computed = _computed_uses()
    missing = set(computed) - set(declared) - PROMETHEUS_OWN
    assert missing == set(), "the dashboards or alerts read metrics the app does not declare"


def test_every_declared_business_metric_is_on_a_dashboard_or_an_alert() -> None:
    computed = _computed_uses()
    business = {name for name in declared_metrics() if name.startswith(("hotel_agent_experiment", "pms_"))}
    assert business - set(computed) == set(), "declared but on no panel and in no alert"
