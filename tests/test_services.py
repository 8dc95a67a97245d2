"""The rule of tests/support/services.py: a missing service skips locally and fails under CI=true."""

from __future__ import annotations

import pytest
from _pytest.outcomes import Failed, Skipped

from tests.support import services
from tests.support.services import free_port


def test_a_missing_service_fails_under_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(services, "IN_CI", True)
    with pytest.raises(Failed, match="CI=true requires it"):
        services.require_service("PostgreSQL", "127.0.0.1", free_port())


def test_a_missing_service_skips_outside_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(services, "IN_CI", False)
    with pytest.raises(Skipped, match="not reachable"):
        services.require_service("Redis", "127.0.0.1", free_port())


def test_the_address_checked_is_the_one_the_tests_use(monkeypatch: pytest.MonkeyPatch) -> None:
    port = free_port()
    monkeypatch.setattr(services, "IN_CI", True)
    monkeypatch.setattr(
        services, "POSTGRES_ADMIN_URL", f"postgresql+asyncpg://postgres@127.0.0.1:{port}/test"
    )
    with pytest.raises(Failed, match=f"127.0.0.1:{port}"):
        services.require_postgres()
