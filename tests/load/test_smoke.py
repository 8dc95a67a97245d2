"""`make test`'s load smoke: the locustfile, headless for a few seconds against a started stack (1 web
process, 1 queue worker, PostgreSQL, Redis, the fake Graph API), produces its report and loses nothing.

The numbers themselves are not asserted (a shared machine makes them noise); `make load-test` is where
they are measured (docs/load-testing.md).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.load import run
from tests.support.services import require_postgres, require_redis

pytestmark = pytest.mark.slow


def test_smoke_run_writes_the_report_and_answers_every_message(tmp_path: Path) -> None:
    require_postgres()
    require_redis()
    code = run.main(
        ["--scenario", "smoke", "--duration", "6", "--think", "0.5,1", "--drain-seconds", "45",
         "--web-workers", "1", "--queue-workers", "1", "--report-root", str(tmp_path)]
    )  # fmt: skip
    (run_dir,) = tmp_path.iterdir()
    for name in ("load.json", "locust.html", "summary.md", "summary.html", "summary.json", "latency.svg"):
        assert (run_dir / name).stat().st_size > 0, name
    summary = json.loads((run_dir / "summary.json").read_text())
    values = summary["values"]
    assert values["messages"] > 0
    assert values["error_rate"] == 0
    assert values["lost"] == 0, "a guest message got no reply"
    assert values["duplicated_replies"] == 0
    ledger = json.loads((run_dir / "load.json").read_text())["ledger"]
    assert ledger["answered"] == ledger["acknowledged"] == ledger["sent"]
    # The app's own metrics were read during the run: web and worker targets, queue gauges.
    assert values["scrape_errors"] == 0
    assert values["queue_depth_max"] is not None
    assert code == 0, summary["checks"]
