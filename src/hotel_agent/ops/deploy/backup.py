"""PostgreSQL backups with pg_dump and restores with pg_restore (`make backup`, `make restore`).

A backup is `pg_dump --format=custom` of DATABASE_URL (read from the environment's env file, as the
release's processes read it) into `<deploy dir>/<environment>/backups/<environment>-<UTC time>-<label>`
`.dump`; the newest `backups_keep` are kept. With `backup_before_deploy` (production) the deploy tool
takes one before every `deploy` and `canary`; a failed backup stops the deploy before anything changes.

A restore drops every schema and replays the dump (pg_restore's SQL through psql) in one transaction, so
the database ends exactly as it was backed up (tables a later migration added go too), and a restore
that fails halfway leaves it as it was. It is refused while a release runs on the environment unless
forced (its processes would write into a database being replaced).

The password travels in PGPASSWORD, never on a command line (`ps` shows command lines).
"""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from hotel_agent.ops.deploy.processes import DeployError

SUFFIX = ".dump"
TIMEOUT_SECONDS = 3600


@dataclass(frozen=True)
class Connection:
    """libpq's view of DATABASE_URL: arguments for pg_dump/pg_restore plus the environment they need."""

    arguments: list[str]
    env: dict[str, str]
    database: str


def connection(database_url: str) -> Connection:
    try:
        url = make_url(database_url)
    except ArgumentError as exc:
        raise DeployError(f"DATABASE_URL is not a database URL: {exc}") from None
    if not url.drivername.startswith("postgres"):
        raise DeployError(f"backups need PostgreSQL; DATABASE_URL uses {url.drivername}")
    if not url.database:
        raise DeployError("DATABASE_URL names no database")
    arguments = ["--host", url.host or "127.0.0.1", "--port", str(url.port or 5432)]
    if url.username:
        arguments += ["--username", url.username]
    env = {"PGDATABASE": url.database, "PGCONNECT_TIMEOUT": "10"}
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    ssl = url.query.get("sslmode") or url.query.get("ssl")
    if isinstance(ssl, str):
        env["PGSSLMODE"] = ssl
    return Connection(arguments, env, url.database)


def _run(command: list[str], conn: Connection) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **conn.env}
    try:
        return subprocess.run(command, env=env, capture_output=True, text=True, timeout=TIMEOUT_SECONDS)
    except FileNotFoundError:
        raise DeployError(f"{command[0]} is not installed (Debian: postgresql-client)") from None


def backup(database_url: str, folder: Path, environment: str, label: str = "", keep: int = 0) -> Path:
    """Dump the database into a new file under `folder`; keep the newest `keep` (0: all). Returns it."""
    conn = connection(database_url)
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    safe_label = re.sub(r"[^A-Za-z0-9._-]", "_", label)[:64]
    target = folder / f"{environment}-{stamp}{'-' + safe_label if safe_label else ''}{SUFFIX}"
    partial = target.with_suffix(".partial")
    result = _run(
        ["pg_dump", *conn.arguments, "--format=custom", "--no-owner", "--file", str(partial), conn.database],
        conn,
    )
    if result.returncode != 0:
        partial.unlink(missing_ok=True)
        raise DeployError(f"pg_dump of {conn.database} failed: {result.stderr.strip()[-600:]}")
    os.replace(partial, target)  # a dump that stopped halfway never looks like a backup
    if keep > 0:
        for old in list_backups(folder)[:-keep]:
            old.unlink()
    return target


def list_backups(folder: Path) -> list[Path]:
    """The backups in `folder`, oldest first (the names sort by time)."""
    return sorted(folder.glob(f"*{SUFFIX}")) if folder.exists() else []


RESET_SCHEMAS = """\
DO $$
DECLARE name text;
BEGIN
    FOR name IN SELECT nspname FROM pg_namespace
                WHERE nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema'
    LOOP
        EXECUTE format('DROP SCHEMA %I CASCADE', name);
    END LOOP;
END $$;
CREATE SCHEMA IF NOT EXISTS public;
"""


def restore(database_url: str, dump: Path) -> str:
    """Replace the database's contents with the dump's, in one transaction.

    Every schema is dropped first (what a newer migration created after the backup goes too, so the
    database is exactly the backup's), then the dump's SQL runs; psql does both in one transaction and
    stops at the first error, which rolls everything back.
    """
    if not dump.is_file():
        raise DeployError(f"no backup at {dump}")
    conn = connection(database_url)
    script = _run(["pg_restore", "--no-owner", "--no-acl", "--file", "-", str(dump)], conn)
    if script.returncode != 0:
        raise DeployError(f"{dump} is not a pg_dump archive: {script.stderr.strip()[-300:]}")
    env = {**os.environ, **conn.env}
    command = ["psql", *conn.arguments, "--no-psqlrc", "--quiet", "--single-transaction"]
    command += ["--set", "ON_ERROR_STOP=1", "--dbname", conn.database, "--file", "-"]
    try:
        result = subprocess.run(
            command,
            input=RESET_SCHEMAS + script.stdout,
            env=env,
            capture_output=True,
            text=True,
            timeout=TIMEOUT_SECONDS,
        )
    except FileNotFoundError:
        raise DeployError("psql is not installed (Debian: postgresql-client)") from None
    if result.returncode != 0:
        raise DeployError(
            f"restore into {conn.database} failed (nothing changed): {result.stderr.strip()[-600:]}"
        )
    return f"restored {dump.name} into {conn.database}"
