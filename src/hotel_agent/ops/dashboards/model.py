"""A small typed model of the Grafana dashboards we ship, rendered to Grafana's JSON (schemaVersion 39).

Only what our panels use: time series, stats, state timelines and tables over the provisioned
Prometheus datasource, and tables over the PostgreSQL datasource for what Prometheus cannot hold without
unbounded labels (conversion by template version). Every panel must carry a description and a unit: the
model makes both required, so a dashboard without them does not build.
"""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass
from typing import Any

PROMETHEUS_UID = "hotel-agent-prometheus"
POSTGRES_UID = "hotel-agent-postgres"
SCHEMA_VERSION = 39
GRID_WIDTH = 24


class Kind(enum.Enum):
    TIMESERIES = "timeseries"
    STAT = "stat"
    STATE_TIMELINE = "state-timeline"
    TABLE = "table"


@dataclass(frozen=True)
class PromQuery:
    """A PromQL target. Grafana's `$__rate_interval` and `$__range` may appear in `expr`."""

    expr: str
    legend: str = ""


@dataclass(frozen=True)
class SqlQuery:
    """A SQL target on the app's PostgreSQL (read-only user); `$__timeFilter(column)` may appear."""

    sql: str


@dataclass(frozen=True)
class Panel:
    title: str
    description: str
    unit: str
    queries: tuple[PromQuery | SqlQuery, ...]
    kind: Kind = Kind.TIMESERIES
    width: int = 12
    height: int = 8
    # Value -> text (and colour) for state panels: {0: ("closed", "green"), ...}.
    mappings: tuple[tuple[int, str, str], ...] = ()
    stacked: bool = False
    # Table columns whose unit differs from the panel's: (column, unit).
    column_units: tuple[tuple[str, str], ...] = ()
    min_value: float | None = None
    max_value: float | None = None

    def __post_init__(self) -> None:
        if not self.description.strip() or not self.unit.strip():
            raise ValueError(f"panel {self.title!r} needs a description and a unit")
        if not self.queries:
            raise ValueError(f"panel {self.title!r} has no query")
        if len({type(query) for query in self.queries}) > 1:
            raise ValueError(f"panel {self.title!r} mixes PromQL and SQL (one datasource per panel)")
        if not 1 <= self.width <= GRID_WIDTH:
            raise ValueError(f"panel {self.title!r}: width {self.width} is outside 1..{GRID_WIDTH}")

    @property
    def sql(self) -> bool:
        return isinstance(self.queries[0], SqlQuery)


@dataclass(frozen=True)
class Row:
    title: str
    panels: tuple[Panel, ...]


@dataclass(frozen=True)
class Dashboard:
    uid: str
    title: str
    description: str
    rows: tuple[Row, ...]
    tags: tuple[str, ...] = ("hotel-agent",)
    refresh: str = "30s"
    time_from: str = "now-6h"

    @property
    def panels(self) -> list[Panel]:
        return [panel for row in self.rows for panel in row.panels]

    @property
    def file_name(self) -> str:
        return f"{self.uid.removeprefix('hotel-agent-')}.json"


def _datasource(panel: Panel) -> dict[str, str]:
    if panel.sql:
        return {"type": "grafana-postgresql-datasource", "uid": POSTGRES_UID}
    return {"type": "prometheus", "uid": PROMETHEUS_UID}


def _target(panel: Panel, index: int, query: PromQuery | SqlQuery) -> dict[str, Any]:
    ref = chr(ord("A") + index)
    if isinstance(query, SqlQuery):
        return {
            "refId": ref,
            "datasource": _datasource(panel),
            "editorMode": "code",
            "format": "table",
            "rawQuery": True,
            "rawSql": query.sql,
        }
    target: dict[str, Any] = {
        "refId": ref,
        "datasource": _datasource(panel),
        "editorMode": "code",
        "expr": query.expr,
        "legendFormat": query.legend or "__auto",
        "range": panel.kind is not Kind.TABLE,
        "instant": panel.kind is Kind.TABLE,
    }
    return target


def _field_config(panel: Panel) -> dict[str, Any]:
    defaults: dict[str, Any] = {"unit": panel.unit}
    if panel.min_value is not None:
        defaults["min"] = panel.min_value
    if panel.max_value is not None:
        defaults["max"] = panel.max_value
    if panel.mappings:
        defaults["mappings"] = [
            {
                "type": "value",
                "options": {
                    str(value): {"text": text, "color": colour, "index": index}
                    for index, (value, text, colour) in enumerate(panel.mappings)
                },
            }
        ]
        defaults["color"] = {"mode": "thresholds"}
        defaults["thresholds"] = {
            "mode": "absolute",
            "steps": [{"color": panel.mappings[0][2], "value": None}],
        }
    if panel.kind is Kind.TIMESERIES:
        defaults["custom"] = {
            "drawStyle": "line",
            "lineWidth": 1,
            "fillOpacity": 10,
            "showPoints": "never",
            "spanNulls": False,
            "stacking": {"mode": "normal" if panel.stacked else "none", "group": "A"},
        }
    overrides = [
        {"matcher": {"id": "byName", "options": column}, "properties": [{"id": "unit", "value": unit}]}
        for column, unit in panel.column_units
    ]
    return {"defaults": defaults, "overrides": overrides}


def _options(panel: Panel) -> dict[str, Any]:
    if panel.kind is Kind.STAT:
        return {
            "reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
            "colorMode": "value",
            "graphMode": "area",
            "textMode": "auto",
        }
    if panel.kind is Kind.STATE_TIMELINE:
        return {
            "showValue": "auto",
            "mergeValues": True,
            "legend": {"displayMode": "list", "placement": "bottom"},
        }
    if panel.kind is Kind.TABLE:
        return {"showHeader": True, "cellHeight": "sm"}
    return {
        "legend": {"displayMode": "table", "placement": "bottom", "calcs": ["mean", "max", "lastNotNull"]},
        "tooltip": {"mode": "multi", "sort": "desc"},
    }


def render(dashboard: Dashboard) -> dict[str, Any]:
    """The dashboard as Grafana's JSON model, panels laid out left to right in rows."""
    panels: list[dict[str, Any]] = []
    next_id = 1
    y = 0
    for row in dashboard.rows:
        panels.append(
            {
                "id": next_id,
                "type": "row",
                "title": row.title,
                "collapsed": False,
                "gridPos": {"h": 1, "w": GRID_WIDTH, "x": 0, "y": y},
                "panels": [],
            }
        )
        next_id += 1
        y += 1
        x = 0
        row_height = 0
        for panel in row.panels:
            if x + panel.width > GRID_WIDTH:
                x, y, row_height = 0, y + row_height, 0
            panels.append(
                {
                    "id": next_id,
                    "type": panel.kind.value,
                    "title": panel.title,
                    "description": panel.description,
                    "datasource": _datasource(panel),
                    "gridPos": {"h": panel.height, "w": panel.width, "x": x, "y": y},
                    "targets": [_target(panel, i, query) for i, query in enumerate(panel.queries)],
                    "fieldConfig": _field_config(panel),
                    "options": _options(panel),
                }
            )
            next_id += 1
            x += panel.width
            row_height = max(row_height, panel.height)
        y += row_height
    return {
        "uid": dashboard.uid,
        "title": dashboard.title,
        "description": dashboard.description,
        "tags": list(dashboard.tags),
        "timezone": "browser",
        "editable": True,
        "graphTooltip": 1,
        "schemaVersion": SCHEMA_VERSION,
        "version": 1,
        "refresh": dashboard.refresh,
        "time": {"from": dashboard.time_from, "to": "now"},
        "timepicker": {},
        "templating": {"list": []},
        "annotations": {
            "list": [
                {
                    "builtIn": 1,
                    "datasource": {"type": "grafana", "uid": "-- Grafana --"},
                    "enable": True,
                    "hide": True,
                    "iconColor": "rgba(0, 211, 255, 1)",
                    "name": "Annotations & Alerts",
                    "type": "dashboard",
                }
            ]
        },
        "links": [
            {"type": "dashboards", "tags": ["hotel-agent"], "asDropdown": True, "title": "hotel-agent"}
        ],
        "panels": panels,
    }


def to_json(dashboard: Dashboard) -> str:
    return json.dumps(render(dashboard), indent=2, ensure_ascii=False) + "\n"
