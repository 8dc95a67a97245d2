"""`hotel-agent migrate --check`: at head, behind, never migrated, ahead of the code, unreadable."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from alembic.script import ScriptDirectory

from hotel_agent.migrations import SchemaState, alembic_config, check, downgrade, upgrade
from tests.support.cluster import fresh_database
from tests.support.services import free_port, require_postgres


def migrate_check(database_url: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": database_url}
    env.pop("REDIS_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "hotel_agent", "migrate", "--check"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def revisions(url: str) -> list[str]:
    script = ScriptDirectory.from_config(alembic_config(url))
    return [revision.revision for revision in script.walk_revisions()]  # newest first


def test_check_reports_each_state_with_its_exit_code(tmp_path: Path) -> None:
    path = tmp_path / "check.db"
    url = f"sqlite+aiosqlite:///{path}"
    newest, previous = revisions(url)[:2]

    empty = migrate_check(url)
    assert empty.returncode == 3, empty.stderr
    assert "not migrated" in empty.stdout
    assert check(url).state is SchemaState.EMPTY
    assert check(url).pending[-1] == newest

    upgrade(url, previous)
    behind = migrate_check(url)
    assert behind.returncode == 3
    assert f"pending {newest}" in behind.stdout
    assert check(url).pending == (newest,)

    upgrade(url)
    at_head = migrate_check(url)
    assert at_head.returncode == 0, at_head.stdout + at_head.stderr
    assert at_head.stdout.strip() == f"database at head {newest}"

    # A newer release migrated the database (its revision is not in this code).
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE alembic_version SET version_num = 'f00dfeedbeef'")
    ahead = migrate_check(url)
    assert ahead.returncode == 4
    assert "ahead: at f00dfeedbeef" in ahead.stdout


def test_check_on_postgresql_and_after_a_downgrade() -> None:
    require_postgres()
    with fresh_database() as url:
        assert check(url).state is SchemaState.AT_HEAD
        newest, previous = revisions(url)[:2]
        downgrade(url, previous)
        result = check(url)
        assert result.state is SchemaState.BEHIND
        assert result.current == (previous,)
        assert result.pending == (newest,)


def test_an_unreachable_database_exits_1_without_its_password() -> None:
    result = migrate_check(f"postgresql://postgres:s3cret-pass@127.0.0.1:{free_port()}/nothing")
    assert result.returncode == 1
    assert "cannot read the database's revision" in result.stderr
    assert "s3cret-pass" not in result.stderr + result.stdout
