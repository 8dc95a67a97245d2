"""`hotel-agent experiments list|create|start|stop|promote|report`, in process on a fresh SQLite database."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select
from typer.testing import CliRunner

from hotel_agent.config import get_settings
from hotel_agent.db import create_engine, create_sessionmaker, session_scope
from hotel_agent.experiments.commands import experiments_app
from hotel_agent.message_templates.commands import templates_app
from hotel_agent.migrations import upgrade
from hotel_agent.models import AbTestOutcome, Experiment, ExperimentExposure

runner = CliRunner()


@pytest.fixture(scope="module")
def fresh_database(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('exp-cli') / 'experiments.db'}"
    upgrade(url.replace("sqlite://", "sqlite+aiosqlite://"))
    return url


@pytest.fixture
def database(fresh_database: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("DATABASE_URL", fresh_database)
    monkeypatch.delenv("REDIS_URL", raising=False)
    get_settings.cache_clear()
    assert runner.invoke(templates_app, ["import"]).exit_code == 0
    yield fresh_database
    get_settings.cache_clear()


async def _fake_results(url: str, key: str) -> None:
    """1,000 guests per arm: 10% of control's booked, 15% of the variant's."""
    engine = create_engine(get_settings(), url=url.replace("sqlite://", "sqlite+aiosqlite://"))
    async with session_scope(create_sessionmaker(engine)) as session:
        experiment = (await session.execute(select(Experiment).where(Experiment.key == key))).scalar_one()
        now = datetime.now(UTC)
        for variant, booked in (("control", 100), ("variant_a", 150)):
            for n in range(1000):
                guest = f"wa:1:{variant}{n}"
                session.add(
                    ExperimentExposure(
                        experiment_id=experiment.id,
                        phase=1,
                        guest_id=guest,
                        variant=variant,
                        language="en",
                        fell_back=False,
                        exposed_at=now,
                    )
                )
                if n < booked:
                    session.add(
                        AbTestOutcome(
                            experiment_id=experiment.id,
                            phase=1,
                            guest_id=guest,
                            variant=variant,
                            outcome="conversion",
                            details={},
                        )
                    )
    await engine.dispose()


def test_create_start_report_promote(database: str, tmp_path: Path) -> None:
    definition = {
        "key": "cli-greeting",
        "name": "Warmer greeting",
        "template_key": "greeting.welcome",
        "languages": ["en"],
        "variants": [
            {"name": "control", "weight": 0.5},
            {
                "name": "variant_a",
                "weight": 0.5,
                "texts": {"en": "Hi! {{ hotel_name }} here. How can I help?"},
            },
        ],
    }
    path = tmp_path / "experiment.yaml"
    path.write_text(yaml.safe_dump(definition))
    created = runner.invoke(experiments_app, ["create", "--file", str(path), "--actor", "ana"])
    assert created.exit_code == 0, created.output
    assert "created cli-greeting (draft)" in created.output
    again = runner.invoke(experiments_app, ["create", "--file", str(path)])
    assert again.exit_code == 1
    assert "exists already" in again.output

    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump({**definition, "key": "cli-bad", "variants": definition["variants"][:1]}))
    refused = runner.invoke(experiments_app, ["create", "--file", str(bad)])
    assert refused.exit_code == 1
    assert "not a valid experiment" in refused.output

    assert runner.invoke(experiments_app, ["start", "cli-greeting"]).exit_code == 0
    listed = runner.invoke(experiments_app, ["list", "--status", "running"])
    assert "cli-greeting" in listed.output
    assert "running" in listed.output

    asyncio.run(_fake_results(database, "cli-greeting"))
    report = runner.invoke(experiments_app, ["report", "cli-greeting"])
    assert report.exit_code == 0, report.output
    assert "variant_a" in report.output
    assert "15.0%" in report.output
    assert "+50.0%" in report.output
    assert "winner: variant_a" in report.output
    as_json = runner.invoke(experiments_app, ["report", "cli-greeting", "--json"])
    assert '"winner": "variant_a"' in as_json.output

    promoted = runner.invoke(experiments_app, ["promote", "cli-greeting", "--actor", "ana"])
    assert promoted.exit_code == 0, promoted.output
    assert "'variant_a' is the live default text" in promoted.output
    assert runner.invoke(experiments_app, ["stop", "cli-greeting"]).exit_code == 1
    assert runner.invoke(experiments_app, ["report", "no-such"]).exit_code == 1
