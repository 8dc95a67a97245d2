"""The one-page summary of a load run: numbers, verdicts, plots (SVG) and the comparison with the run before.

    uv run python -m tests.load.report var/load-reports/<run>      # rebuild a run's summary

Reads `<run>/load.json` (written by the locustfile), writes `<run>/summary.json` (the headline numbers),
`<run>/summary.md` and `<run>/summary.html` (the same page with the plots inline; the SVGs are also saved
beside it). The previous run is the newest other folder next to this one with the same scenario, channel
and label.
"""

from __future__ import annotations

import html
import json
import statistics
import sys
from pathlib import Path
from typing import Any

from tests.load import app_metrics
from tests.load.svg import line_chart

# The "Done when" for each scenario, plus what every run must hold.
ALWAYS = (
    ("lost", "== 0", lambda v: v == 0),
    ("duplicated_replies", "== 0", lambda v: v == 0),
    ("sold_out_replies", "== 0", lambda v: v == 0),
)
TARGETS: dict[str, tuple[tuple[str, str, Any], ...]] = {
    "peak": (
        ("error_rate", "== 0", lambda v: v == 0),
        ("e2e_p95_ms", "<= 500", lambda v: v <= 500),
        ("cache_hit_rate", "> 0.90", lambda v: v > 0.90),
    ),
    "spike": (("error_rate", "< 0.01", lambda v: v < 0.01),),
    "normal": (("e2e_p95_ms", "<= 250", lambda v: v <= 250),),
    "soak": (
        ("rss_growth", "< 0.10", lambda v: v < 0.10),
        ("queue_lag_growth_s", "< 5", lambda v: v < 5),
    ),
}
COMPARED = (
    ("ack_p50_ms", "ack P50 (ms)"),
    ("ack_p95_ms", "ack P95 (ms)"),
    ("ack_p99_ms", "ack P99 (ms)"),
    ("e2e_p50_ms", "e2e P50 (ms)"),
    ("e2e_p95_ms", "e2e P95 (ms)"),
    ("e2e_p99_ms", "e2e P99 (ms)"),
    ("messages", "guest messages"),
    ("messages_per_second", "messages/s"),
    ("error_rate", "error rate"),
    ("lost", "lost"),
    ("cache_hit_rate", "cache hit rate"),
    ("pms_p95_ms", "PMS P95 (ms)"),
    ("queue_lag_max_s", "queue lag max (s)"),
    ("db_pool_in_use_max", "DB pool in use (max)"),
    ("rss_growth", "RSS growth"),
    ("redis_memory_max_mb", "Redis memory max (MB)"),
    ("app_cpu_ms_per_message", "app CPU per message (ms)"),
    ("load_average_1m", "machine load (1 min)"),
)


def _rss_growth(samples: list[dict[str, Any]]) -> tuple[float | None, list[tuple[float, float]]]:
    """Total RSS of all targets over time; growth = last 10% of the run vs the 10-20% window (after the
    ramp and warm-up, when every process has loaded what it needs)."""
    series = []
    for sample in samples:
        total = sum(
            t.get("hotel_agent_process_resident_memory_bytes", 0.0) for t in sample["per_target"].values()
        )
        if total:
            series.append((sample["at"], total / 1e6))
    if len(series) < 5:
        return None, series
    count = len(series)
    early = [v for _, v in series[max(1, count // 10) : max(2, count // 5)]]
    late = [v for _, v in series[-max(1, count // 10) :]]
    base = statistics.median(early)
    return (statistics.median(late) - base) / base, series


def headline(document: dict[str, Any]) -> dict[str, Any]:
    ledger = document["ledger"]
    samples = document["metrics"]
    first, last = (samples[0], samples[-1]) if samples else ({"counters": {}, "buckets": {}}, None)
    values: dict[str, Any] = {
        "scenario": document["scenario"],
        "channel": document["channel"],
        "label": document["label"],
        "length": document["length"],
        "seconds": document["seconds"],
        "peak_users": document["peak_users"],
        "messages": ledger["sent"],
        "messages_per_second": round(ledger["sent"] / document["seconds"], 2) if document["seconds"] else 0,
        "ack_p50_ms": ledger["ack_ms"]["p50"],
        "ack_p95_ms": ledger["ack_ms"]["p95"],
        "ack_p99_ms": ledger["ack_ms"]["p99"],
        "e2e_p50_ms": ledger["e2e_ms"]["p50"],
        "e2e_p95_ms": ledger["e2e_ms"]["p95"],
        "e2e_p99_ms": ledger["e2e_ms"]["p99"],
        "e2e_max_ms": ledger["e2e_ms"]["max"],
        "error_rate": round(ledger["failed"] / ledger["sent"], 5) if ledger["sent"] else None,
        "lost": ledger["lost"],
        "duplicated_replies": ledger["duplicated_replies"],
        "drain_seconds": document["drain_seconds"],
        "load_average_1m": round(document["load_average"][0], 2),
        "outcomes": document["outcomes"],
    }
    if last is not None:
        hits = app_metrics.delta(first, last, "pms_cache_hits_total")
        misses = app_metrics.delta(first, last, "pms_cache_misses_total")
        total_hits, total_misses = sum(hits.values()), sum(misses.values())
        values["cache_hit_rate"] = (
            round(total_hits / (total_hits + total_misses), 4) if total_hits + total_misses else None
        )
        a_hits = hits.get("pms_cache_hits_total{kind=availability}", 0.0)
        a_misses = misses.get("pms_cache_misses_total{kind=availability}", 0.0)
        values["availability_cache_hit_rate"] = (
            round(a_hits / (a_hits + a_misses), 4) if a_hits + a_misses else None
        )
        pms = app_metrics.histogram_quantiles(first, last, "pms_request_duration_seconds")
        values.update(
            pms_p50_ms=pms["p50"], pms_p95_ms=pms["p95"], pms_p99_ms=pms["p99"], pms_calls=pms["count"]
        )
        calls = app_metrics.delta(first, last, "pms_requests_total")
        failed_calls = sum(
            v for k, v in calls.items() if "outcome=success" not in k and "request_error" not in k
        )
        values["pms_failed_calls"] = failed_calls
        values["breaker_transitions"] = {
            k.removeprefix("pms_circuit_breaker_transitions_total"): v
            for k, v in app_metrics.delta(first, last, "pms_circuit_breaker_transitions_total").items()
            if v
        }
        server_ack = app_metrics.histogram_quantiles(
            first, last, "http_request_duration_seconds{route=/webhooks/whatsapp}"
        )
        values["server_ack_p95_ms"] = server_ack["p95"]
        processing = app_metrics.histogram_quantiles(first, last, "hotel_agent_whatsapp_processing_seconds")
        values["app_processing_p95_ms"] = processing["p95"]
        values["sold_out_replies"] = sum(
            app_metrics.delta(first, last, "hotel_agent_template_renders_total").values()
        )
        values["bookings_created"] = app_metrics.delta(first, last, "hotel_agent_bot_bookings_total").get(
            "hotel_agent_bot_bookings_total{action=created}", 0.0
        )
        lags = [s["gauges"].get("hotel_agent_whatsapp_queue_lag_seconds", 0.0) for s in samples]
        depths = [s["gauges"].get("hotel_agent_whatsapp_queue_depth", 0.0) for s in samples]
        values["queue_lag_max_s"] = round(max(lags), 2) if lags else None
        values["queue_depth_max"] = max(depths) if depths else None
        # Unanswered messages still stored in the queue when the drain ended are late, not gone: a
        # `lost` equal to this is a backlog (longer --drain-seconds), one above it is a real loss.
        values["queue_depth_at_end"] = depths[-1] if depths else None
        tenth = max(1, len(lags) // 10)
        values["queue_lag_growth_s"] = (
            round(statistics.mean(lags[-tenth:]) - statistics.mean(lags[tenth : 2 * tenth] or lags[:1]), 2)
            if len(lags) >= 5
            else None
        )
        values["dead_letters_max"] = max(
            s["gauges"].get("hotel_agent_whatsapp_dead_letters", 0.0) for s in samples
        )
        pool = [
            sum(t.get("hotel_agent_db_pool_in_use", 0.0) for t in s["per_target"].values()) for s in samples
        ]
        values["db_pool_in_use_max"] = max(pool) if pool else None
        values["db_pool_size"] = sum(
            t.get("hotel_agent_db_pool_size", 0.0) for t in samples[-1]["per_target"].values()
        )
        redis = [s["gauges"].get("hotel_agent_redis_used_memory_bytes") for s in samples]
        redis_mb = [r / 1e6 for r in redis if r]
        values["redis_memory_max_mb"] = round(max(redis_mb), 1) if redis_mb else None
        growth, _series = _rss_growth(samples)
        values["rss_growth"] = round(growth, 4) if growth is not None else None
        values["scrape_errors"] = sum(len(s["errors"]) for s in samples)
    return values


def verdicts(values: dict[str, Any]) -> list[dict[str, Any]]:
    result = []
    for name, threshold, test in (*ALWAYS, *TARGETS.get(values["scenario"], ())):
        value = values.get(name)
        ok = None if value is None else bool(test(value))
        result.append({"name": name, "value": value, "threshold": threshold, "ok": ok})
    return result


def previous_run(run_dir: Path, values: dict[str, Any]) -> tuple[Path, dict[str, Any]] | None:
    candidates = sorted((p for p in run_dir.parent.iterdir() if p.is_dir() and p != run_dir), reverse=True)
    for candidate in candidates:
        if candidate.name > run_dir.name:
            continue
        summary = candidate / "summary.json"
        if not summary.exists():
            continue
        other = json.loads(summary.read_text())["values"]
        if all(other.get(k) == values.get(k) for k in ("scenario", "channel", "label")):
            return candidate, other
    return None


def _fmt(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _plots(document: dict[str, Any]) -> dict[str, str]:
    timeline = document["timeline"]
    samples = document["metrics"]
    origin = document["started_at"]
    plots = {
        "latency.svg": line_chart(
            "End-to-end reply latency per 5 s (ms, by send time)",
            {
                label: [(row["t"], row[key]) for row in timeline if row[key] is not None]
                for label, key in (("P50", "p50"), ("P95", "p95"), ("P99", "p99"))
            },
            x_label="seconds",
        ),
        "users.svg": line_chart(
            "Users and guest messages sent per 5 s",
            {
                "users": [(t, float(u)) for t, u in document["users"]],
                "messages / 5 s": [(row["t"], float(row["sent"])) for row in timeline],
            },
            x_label="seconds",
        ),
    }
    if samples:
        plots["queue.svg"] = line_chart(
            "Queue lag (s) and depth (app metrics)",
            {
                "lag (s)": [
                    (s["at"] - origin, s["gauges"].get("hotel_agent_whatsapp_queue_lag_seconds", 0.0))
                    for s in samples
                ],
                "depth": [
                    (s["at"] - origin, s["gauges"].get("hotel_agent_whatsapp_queue_depth", 0.0))
                    for s in samples
                ],
            },
            x_label="seconds",
        )
        _growth, series = _rss_growth(samples)
        plots["memory.svg"] = line_chart(
            "Resident memory of all app processes (MB) and Redis (MB)",
            {
                "app RSS": [(at - origin, mb) for at, mb in series],
                "Redis": [
                    (s["at"] - origin, s["gauges"]["hotel_agent_redis_used_memory_bytes"] / 1e6)
                    for s in samples
                    if s["gauges"].get("hotel_agent_redis_used_memory_bytes")
                ],
            },
            x_label="seconds",
        )
    return plots


def write(run_dir: Path) -> dict[str, Any]:
    document = json.loads((run_dir / "load.json").read_text())
    values = headline(document)
    host = run_dir / "host.json"  # written by run.py: app CPU time, load at start
    if host.exists():
        values.update(json.loads(host.read_text()))
    checks = verdicts(values)
    previous = previous_run(run_dir, values)
    (run_dir / "summary.json").write_text(json.dumps({"values": values, "checks": checks}, indent=1))
    plots = _plots(document)
    for name, svg in plots.items():
        (run_dir / name).write_text(svg)

    lines = [
        f"# Load test: {values['scenario']} ({values['length']}, {values['seconds']:.0f} s), "
        f"{values['channel']}{' — ' + values['label'] if values['label'] else ''}",
        "",
        f"Host {document['host']}, peak {values['peak_users']} users, {values['messages']} guest messages "
        f"({values['messages_per_second']}/s). Machine: {document['cpu_count']} cores, load average "
        f"{' / '.join(f'{x:.2f}' for x in document['load_average'])} at the end "
        f"(shared machine: numbers are as noisy as that). Locust's own report: [locust.html](locust.html).",
        "",
        "## Verdict",
        "",
        "| check | value | target | |",
        "|---|---|---|---|",
    ]
    for check in checks:
        mark = "–" if check["ok"] is None else ("PASS" if check["ok"] else "FAIL")
        lines.append(f"| {check['name']} | {_fmt(check['value'])} | {check['threshold']} | {mark} |")
    lines += [
        "",
        "## Numbers",
        "",
        "| | P50 | P95 | P99 | max |",
        "|---|---|---|---|---|",
        f"| acknowledgement (ms, client side) | {_fmt(values['ack_p50_ms'])} | {_fmt(values['ack_p95_ms'])} "
        f"| {_fmt(values['ack_p99_ms'])} | |",
        f"| end-to-end reply (ms) | {_fmt(values['e2e_p50_ms'])} | {_fmt(values['e2e_p95_ms'])} "
        f"| {_fmt(values['e2e_p99_ms'])} | {_fmt(values['e2e_max_ms'])} |",
        f"| PMS calls (ms, app histogram) | {_fmt(values.get('pms_p50_ms'))} "
        f"| {_fmt(values.get('pms_p95_ms'))} "
        f"| {_fmt(values.get('pms_p99_ms'))} | |",
        "",
        "| metric | value |",
        "|---|---|",
    ]
    for key in (
        "error_rate",
        "lost",
        "duplicated_replies",
        "drain_seconds",
        "cache_hit_rate",
        "availability_cache_hit_rate",
        "pms_calls",
        "pms_failed_calls",
        "breaker_transitions",
        "bookings_created",
        "sold_out_replies",
        "server_ack_p95_ms",
        "app_processing_p95_ms",
        "queue_lag_max_s",
        "queue_lag_growth_s",
        "queue_depth_max",
        "queue_depth_at_end",
        "dead_letters_max",
        "db_pool_in_use_max",
        "db_pool_size",
        "redis_memory_max_mb",
        "rss_growth",
        "scrape_errors",
        "app_cpu_seconds",
        "app_cpu_ms_per_message",
        "messages_per_core_second",
        "load_average_at_start",
        "outcomes",
    ):
        lines.append(f"| {key} | {_fmt(values.get(key))} |")
    lines += ["", "## Compared with the previous run", ""]
    if previous is None:
        lines.append("No previous run of this scenario, channel and label in this folder.")
    else:
        path, other = previous
        lines += [f"Previous: `{path.name}`.", "", "| | previous | this run | change |", "|---|---|---|---|"]
        for key, title in COMPARED:
            before, now = other.get(key), values.get(key)
            change = ""
            if isinstance(before, int | float) and isinstance(now, int | float) and before:
                change = f"{(now - before) / abs(before):+.0%}"
            lines.append(f"| {title} | {_fmt(before)} | {_fmt(now)} | {change} |")
    lines += ["", "## Plots", ""]
    lines += [f"![{name}]({name})" for name in plots]
    markdown = "\n".join(lines) + "\n"
    (run_dir / "summary.md").write_text(markdown)
    (run_dir / "summary.html").write_text(_html(markdown, plots))
    return {"values": values, "checks": checks}


def _html(markdown: str, plots: dict[str, str]) -> str:
    """The Markdown page as HTML (tables and headings only: that is all the page uses)."""
    body: list[str] = []
    in_table = False
    for line in markdown.splitlines():
        if line.startswith("|"):
            cells = [c.strip() for c in line.strip("|").split("|")]
            if set("".join(cells)) <= set("-"):
                continue
            tag = "th" if not in_table else "td"
            if not in_table:
                body.append("<table>")
                in_table = True
            body.append("<tr>" + "".join(f"<{tag}>{html.escape(c)}</{tag}>" for c in cells) + "</tr>")
            continue
        if in_table:
            body.append("</table>")
            in_table = False
        if line.startswith("!["):
            name = line[line.index("(") + 1 : -1]
            body.append(f"<div>{plots[name]}</div>")
        elif line.startswith("## "):
            body.append(f"<h2>{html.escape(line[3:])}</h2>")
        elif line.startswith("# "):
            body.append(f"<h1>{html.escape(line[2:])}</h1>")
        elif line:
            body.append(
                f"<p>{html.escape(line)}</p>".replace(
                    "[locust.html](locust.html)", "<a href='locust.html'>locust.html</a>"
                )
            )
    if in_table:
        body.append("</table>")
    style = (
        "body{font-family:sans-serif;max-width:60em;margin:2em auto}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}td:first-child{text-align:left}"
    )
    return f"<!doctype html><meta charset='utf-8'><title>load test</title><style>{style}</style>" + "\n".join(
        body
    )


if __name__ == "__main__":
    result = write(Path(sys.argv[1]))
    print(json.dumps(result["checks"], indent=1))
