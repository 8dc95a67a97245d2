"""Schemathesis against the app's own /openapi.json, as each admin role, on PostgreSQL + Redis.

A real `hotel-agent serve` process (the HTTP stack operators run: uvicorn, middleware, error handlers)
on a fresh, migrated database with the template catalog imported. For each role, every operation in the
document at run time (routes added later are covered; include_in_schema=False HTML pages are not in it)
gets examples, coverage, fuzzing and the stateful phase (OpenAPI links: created template -> read, add
version -> activate/diff), checked for: no 5xx, only documented statuses, the documented content type,
and bodies valid against the documented schemas. Bounded: FUZZ_SECONDS_PER_ROLE (default 20 s) each,
a fixed seed so a CI failure reproduces (`--seed` printed in the report).
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from hotel_agent.admin.schemas import AdminRole
from hotel_agent.admin.service import create_admin_user
from hotel_agent.db import standalone_session
from hotel_agent.message_templates.importer import import_catalog
from hotel_agent.message_templates.source import YamlTemplateSource
from tests.support.app import make_settings
from tests.support.cluster import ROOT, fresh_database
from tests.support.processes import start_web, stop_all
from tests.support.services import REDIS_URL, require_postgres, require_redis

pytestmark = pytest.mark.slow

ROLES = ("viewer", "editor", "admin")
PASSWORD = "fuzz-password-" + uuid.uuid4().hex[:8]
CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"
SECONDS_PER_ROLE = os.environ.get("FUZZ_SECONDS_PER_ROLE", "20")
SEED = os.environ.get("FUZZ_SEED", "17")


@dataclass
class FuzzTarget:
    url: str
    tokens: dict[str, str]
    logs: Path


async def _prepare(database_url: str) -> None:
    """The shipped template catalog (so reads find templates) and one operator per role."""
    async with standalone_session(make_settings(database_url), write=True) as session:
        await import_catalog(session, YamlTemplateSource(None))
        for role in ROLES:
            await create_admin_user(session, f"fuzz-{role}", PASSWORD, AdminRole(role))


@pytest.fixture(scope="module")
def target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FuzzTarget]:
    require_postgres()
    require_redis()
    logs = tmp_path_factory.mktemp("fuzz")
    with fresh_database() as database_url:
        env = {
            **{k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"},
            "ENVIRONMENT": "development",
            "DATABASE_URL": database_url,
            "REDIS_URL": REDIS_URL,
            "REDIS_KEY_PREFIX": f"fuzz:{uuid.uuid4().hex}:",
            "LOG_FORMAT": "json",
            "LOG_LEVEL": "WARNING",
            "NLU_MODEL_DIR": str(ROOT / "var" / "models"),
        }
        asyncio.run(_prepare(database_url))
        process, url = start_web(env, logs, "web", within=240)
        try:
            tokens = {}
            for role in ROLES:
                response = httpx.post(
                    f"{url}/admin/auth/login",
                    json={"username": f"fuzz-{role}", "password": PASSWORD},
                    timeout=10,
                )
                response.raise_for_status()
                tokens[role] = response.json()["access_token"]
            yield FuzzTarget(url=url, tokens=tokens, logs=logs)
        finally:
            stop_all([process])


@pytest.mark.parametrize("role", ROLES)
def test_no_server_error_and_no_schema_violation(target: FuzzTarget, role: str, tmp_path: Path) -> None:
    command = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "run",
        f"{target.url}/openapi.json",
        "--header",
        f"Authorization: Bearer {target.tokens[role]}",
        "--checks",
        CHECKS,
        "--phases",
        "examples,coverage,fuzzing,stateful",
        "--max-time",
        SECONDS_PER_ROLE,
        "--max-examples",
        "25",
        "--workers",
        "1",
        "--seed",
        SEED,
        "--request-timeout",
        "20",
        "--suppress-health-check",
        "all",
        "--report",
        "junit",
        "--report-dir",
        str(tmp_path),
    ]
    result = subprocess.run(
        command, cwd=tmp_path, capture_output=True, text=True, timeout=int(SECONDS_PER_ROLE) * 3 + 60
    )
    output = result.stdout + result.stderr
    (target.logs / f"schemathesis-{role}.txt").write_text(output)
    assert result.returncode == 0, f"schemathesis as {role} found problems:\n{output[-12000:]}"
    assert "Tested:" in output, output[-2000:]
