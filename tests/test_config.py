"""Settings: driver mapping, PMS requirements, and placeholder secrets refused outside development."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from hotel_agent.config import Environment, LogFormat, Settings
from hotel_agent.errors import ConfigurationError


def test_defaults_are_the_embedded_setup() -> None:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.database_url.startswith("sqlite+aiosqlite:///")
    assert "var/" in settings.database_url
    assert settings.redis_url is None
    assert settings.pms_type.value == "local"
    assert settings.effective_log_format is LogFormat.CONSOLE


def test_provider_urls_are_mapped_onto_async_drivers() -> None:
    assert Settings(database_url="postgres://u@h/db").database_url == "postgresql+asyncpg://u@h/db"
    assert Settings(database_url="postgresql://u@h/db").database_url == "postgresql+asyncpg://u@h/db"
    assert Settings(database_url="sqlite:///x.db").database_url == "sqlite+aiosqlite:///x.db"
    assert Settings(redis_url="").redis_url is None


def test_environment_variables_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENVIRONMENT", "staging")
    monkeypatch.setenv("LOG_LEVEL", "DEBUG")
    monkeypatch.setenv("CHECK_PMS_IN_READINESS", "true")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.environment is Environment.STAGING
    assert settings.check_pms_in_readiness is True
    assert settings.effective_log_format is LogFormat.JSON


@pytest.mark.parametrize("environment", ["staging", "production"])
def test_placeholder_secret_key_is_refused_outside_development(environment: str) -> None:
    settings = Settings(environment=environment)  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="SECRET_KEY"):
        settings.check_secrets()
    Settings(environment=environment, secret_key="x" * 40).check_secrets()  # type: ignore[arg-type]


def test_placeholder_pms_key_is_refused_in_production() -> None:
    settings = Settings(
        environment="production",  # type: ignore[arg-type]
        secret_key="s" * 40,  # type: ignore[arg-type]
        pms_type="qloapps",  # type: ignore[arg-type]
        pms_base_url="http://pms.example",
        pms_api_key="change-me",  # type: ignore[arg-type]
    )
    with pytest.raises(ConfigurationError, match="PMS_API_KEY"):
        settings.check_secrets()


def test_development_accepts_the_placeholder() -> None:
    Settings(environment="development").check_secrets()  # type: ignore[arg-type]


def test_qloapps_needs_its_url_and_key() -> None:
    with pytest.raises(ValidationError, match="PMS_BASE_URL, PMS_API_KEY"):
        Settings(pms_type="qloapps")  # type: ignore[arg-type]
