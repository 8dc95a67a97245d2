"""`make backup` / `make restore` (hotel-agent deploy backup|restore) on a real PostgreSQL database:
dump, change the data and the schema, restore, and the database is the backed-up one again."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from hotel_agent.ops.deploy import backup
from hotel_agent.ops.deploy.commands import deploy_app
from hotel_agent.ops.deploy.processes import DeployError
from hotel_agent.ops.deploy.state import DeployState, Release
from tests.support.cluster import ROOT, fresh_database
from tests.support.services import require_postgres

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def database() -> Iterator[str]:
    require_postgres()
    with fresh_database() as url:
        yield url


def _sync(url: str) -> str:
    return make_url(url).set(drivername="postgresql+psycopg").render_as_string(hide_password=False)


def snapshot(url: str) -> dict[str, object]:
    """Every table's row count and content digest, plus the schema's table list and revision."""
    engine = create_engine(_sync(url))
    try:
        with engine.connect() as connection:
            tables = connection.execute(
                text("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")
            ).scalars()
            result: dict[str, object] = {}
            for table in list(tables):
                digest = "md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), ''))"
                result[table] = connection.execute(text(f'SELECT count(*), {digest} FROM "{table}" t')).one()  # noqa: S608 - names from pg_tables
            return result
    finally:
        engine.dispose()


def execute(url: str, *statements: str) -> None:
    engine = create_engine(_sync(url))
    try:
        with engine.begin() as connection:
            for statement in statements:
                connection.execute(text(statement))
    finally:
        engine.dispose()


@dataclass
class Ran:
    returncode: int
    stdout: str
    stderr: str


def deploy_cli(*arguments: str) -> Ran:
    """`hotel-agent deploy ...` in this process (the CLI's own code; no interpreter start-up per call)."""
    result = CliRunner().invoke(deploy_app, list(arguments))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return Ran(result.exit_code, result.stdout, result.stderr)


def _setup(tmp_path: Path, database_url: str) -> tuple[Path, Path]:
    config = tmp_path / "t.toml"
    config.write_text(f'environment = "t"\ndirectory = "{tmp_path / "deploy"}"\nbackups_keep = 2\n')
    env_file = tmp_path / ".env.t"
    env_file.write_text(f"DATABASE_URL={database_url}\n")
    return config, env_file


def test_backup_change_restore_gives_the_backed_up_database_back(tmp_path: Path, database: str) -> None:
    config, env_file = _setup(tmp_path, database)
    before = snapshot(database)
    assert before["hotels"][0] >= 1  # type: ignore[index]  # the seeded demo hotel

    made = deploy_cli("backup", "--config", str(config), "--env-file", str(env_file))
    assert made.returncode == 0, made.stderr
    dump = Path(made.stdout.strip().splitlines()[-1])
    assert dump.is_file()
    assert dump.parent == tmp_path / "deploy" / "t" / "backups"
    assert dump.name.startswith("t-")
    assert dump.name.endswith("-manual.dump")
    # The password never reaches the log of the command (it is in the URL of the env file here).
    assert "postgres@" not in made.stdout + made.stderr

    # A newer release's migration and some traffic: a new table, changed and deleted rows, a new revision.
    execute(
        database,
        "CREATE TABLE added_later (id integer PRIMARY KEY)",
        "INSERT INTO added_later VALUES (1)",
        "UPDATE room_types SET updated_at = updated_at + interval '1 day'",
        "DELETE FROM template_versions WHERE id IN (SELECT id FROM template_versions LIMIT 3)",
        "UPDATE alembic_version SET version_num = 'from_the_future'",
    )
    changed = snapshot(database)
    assert changed != before
    assert "added_later" in changed

    # Without --yes nothing happens.
    asked = deploy_cli("restore", "--config", str(config), "--env-file", str(env_file))
    assert asked.returncode == 2, asked.stdout + asked.stderr
    assert "--yes" in asked.stdout
    assert snapshot(database) == changed

    restored = deploy_cli(
        "restore",
        "--config",
        str(config),
        "--env-file",
        str(env_file),
        "--backup",
        str(dump),
        "--yes",
    )
    assert restored.returncode == 0, restored.stderr
    assert snapshot(database) == before  # rows, contents, tables (added_later is gone) and the revision


def test_a_broken_dump_changes_nothing_and_running_releases_block_a_restore(
    tmp_path: Path, database: str
) -> None:
    config, env_file = _setup(tmp_path, database)
    before = snapshot(database)
    broken = tmp_path / "broken.dump"
    broken.write_bytes(b"PGDMP" + b"\0" * 200)
    result = deploy_cli(
        "restore",
        "--config",
        str(config),
        "--env-file",
        str(env_file),
        "--backup",
        str(broken),
        "--yes",
    )
    assert result.returncode == 1
    assert "not a pg_dump archive" in result.stderr
    assert snapshot(database) == before

    # A truncated (but real) archive: the one-transaction restore fails and rolls back.
    good = backup.backup(database, tmp_path / "b", "t")
    truncated = tmp_path / "truncated.dump"
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size * 2 // 3])
    with pytest.raises(DeployError):
        backup.restore(database, truncated)
    assert snapshot(database) == before

    state = DeployState(environment="t", stable=Release(name="v1", directory=str(ROOT)))
    state.save(tmp_path / "deploy" / "t" / "state.json")
    refused = deploy_cli(
        "restore",
        "--config",
        str(config),
        "--env-file",
        str(env_file),
        "--backup",
        str(good),
        "--yes",
    )
    assert refused.returncode == 1
    assert "releases run on t (v1)" in refused.stderr


def test_backups_rotate_and_only_postgresql_is_backed_up(tmp_path: Path, database: str) -> None:
    folder = tmp_path / "rotating"
    made = [backup.backup(database, folder, "t", label=f"n{n}", keep=2) for n in range(3)]
    assert backup.list_backups(folder) == made[1:]
    with pytest.raises(DeployError, match="backups need PostgreSQL"):
        backup.backup("sqlite+aiosqlite:///./var/x.db", folder, "t")
    conn = backup.connection("postgresql+asyncpg://app:s3cret@db.internal:6543/hotel?ssl=require")
    assert "s3cret" not in " ".join(conn.arguments)
    assert conn.env["PGPASSWORD"] == "s3cret"
    assert conn.env["PGSSLMODE"] == "require"
    assert conn.arguments == ["--host", "db.internal", "--port", "6543", "--username", "app"]
