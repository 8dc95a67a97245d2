"""Run Alembic migrations programmatically (`hotel-agent migrate`, tests, `make run`)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def alembic_config(database_url: str) -> Config:
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    config.attributes["database_url"] = database_url
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str) -> None:
    command.downgrade(alembic_config(database_url), revision)


class SchemaState(StrEnum):
    """Where the database stands against this code's migrations (`hotel-agent migrate --check`)."""

    AT_HEAD = "at_head"  # exit 0: nothing to do
    BEHIND = "behind"  # exit 3: `hotel-agent migrate` applies the pending revisions
    EMPTY = "empty"  # exit 3 too: never migrated (no alembic_version table or no row)
    AHEAD = "ahead"  # exit 4: a newer release migrated it; this code does not know its revision


EXIT_CODES = {SchemaState.AT_HEAD: 0, SchemaState.BEHIND: 3, SchemaState.EMPTY: 3, SchemaState.AHEAD: 4}


@dataclass(frozen=True)
class SchemaCheck:
    state: SchemaState
    current: tuple[str, ...]
    head: str
    pending: tuple[str, ...]  # revisions `migrate` would apply, oldest first
    unknown: tuple[str, ...]  # revisions in the database that this code does not have

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.state]

    def describe(self) -> str:
        current = ", ".join(self.current) or "none"
        if self.state is SchemaState.AT_HEAD:
            return f"database at head {self.head}"
        if self.state is SchemaState.EMPTY:
            return f"database not migrated; head is {self.head} ({len(self.pending)} revisions pending)"
        if self.state is SchemaState.BEHIND:
            return f"database behind: at {current}, head {self.head}, pending {', '.join(self.pending)}"
        return f"database ahead: at {', '.join(self.unknown)}, unknown to this code (head {self.head})"


async def _database_revisions(database_url: str) -> tuple[str, ...]:
    from sqlalchemy import inspect, text

    from hotel_agent.config import Settings
    from hotel_agent.db import create_engine

    engine = create_engine(Settings(), url=database_url, pooled=False)
    try:
        async with engine.connect() as connection:
            has_table = await connection.run_sync(lambda sync: inspect(sync).has_table("alembic_version"))
            if not has_table:
                return ()
            rows = await connection.execute(text("SELECT version_num FROM alembic_version"))
            return tuple(sorted(str(row[0]) for row in rows))
    finally:
        await engine.dispose()


def check(database_url: str) -> SchemaCheck:
    """Compare the database's Alembic revision with this code's single head (reads only)."""
    script = ScriptDirectory.from_config(alembic_config(database_url))
    head = script.get_current_head()
    if head is None:
        raise RuntimeError("the migrations folder has no revision")
    current = asyncio.run(_database_revisions(database_url))
    known = {revision.revision for revision in script.walk_revisions()}
    unknown = tuple(revision for revision in current if revision not in known)
    if unknown:
        return SchemaCheck(SchemaState.AHEAD, current, head, (), unknown)
    # Revisions between the database's and the head, oldest first ("base" when never migrated).
    lower = current or ("base",)
    pending: list[str] = []
    for revision in script.iterate_revisions(head, lower[0] if len(lower) == 1 else "base"):
        if revision.revision not in current:
            pending.append(revision.revision)
    pending.reverse()
    if not current:
        return SchemaCheck(SchemaState.EMPTY, current, head, tuple(pending), ())
    if current == (head,):
        return SchemaCheck(SchemaState.AT_HEAD, current, head, (), ())
    return SchemaCheck(SchemaState.BEHIND, current, head, tuple(pending), ())
