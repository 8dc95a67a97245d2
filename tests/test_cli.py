"""The hotel-agent command line, on a fresh SQLite file."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hotel_agent.cli import app as cli_app


def run(
    *args: str, env_db: Path, extra_env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    import os

    env = {**os.environ, "DATABASE_URL": f"sqlite:///{env_db}", **(extra_env or {})}
    env.pop("REDIS_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "hotel_agent", *args], env=env, capture_output=True, text=True, timeout=120
    )


def test_migrate_seed_and_create_user_from_scratch(tmp_path: Path) -> None:
    db = tmp_path / "fresh" / "agent.db"
    assert run("migrate", env_db=db).returncode == 0
    assert db.exists()
    seeded = run("seed", env_db=db)
    assert seeded.returncode == 0
    assert "Hotel Miradouro Lisboa" in seeded.stdout
    assert run("seed", env_db=db).returncode == 0  # idempotent
    created = run(
        "admin",
        "create-user",
        "Ops",
        "--role",
        "admin",
        env_db=db,
        extra_env={"HOTEL_AGENT_ADMIN_PASSWORD": "a-long-password"},
    )
    assert created.returncode == 0, created.stderr
    assert "created admin 'ops'" in created.stdout
    duplicate = run(
        "admin", "create-user", "ops", env_db=db, extra_env={"HOTEL_AGENT_ADMIN_PASSWORD": "a-long-password"}
    )
    assert duplicate.returncode == 1
    assert "already exists" in duplicate.stderr
    bad_role = run("admin", "create-user", "x", "--role", "root", env_db=db)
    assert bad_role.returncode == 2
    assert "unknown role" in bad_role.stderr


@pytest.mark.parametrize(
    "command", [[], ["serve"], ["migrate"], ["seed"], ["admin", "create-user"], ["version"]]
)
def test_every_command_has_help(command: list[str]) -> None:
    # In process: the entry point itself is exercised by the subprocess tests around this one.
    result = CliRunner().invoke(cli_app, [*command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage" in result.output


def test_serve_refuses_placeholder_secret_in_production(tmp_path: Path) -> None:
    result = run("serve", env_db=tmp_path / "x.db", extra_env={"ENVIRONMENT": "production", "SECRET_KEY": ""})
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr
