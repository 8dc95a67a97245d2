"""All configuration, from environment variables (or a .env file), in one typed settings class.

Domain code receives a `Settings` instance; nothing else reads `os.environ`.
"""

from __future__ import annotations

from enum import StrEnum
from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from hotel_agent.errors import ConfigurationError

PLACEHOLDER_SECRETS = frozenset(
    {
        "",
        "change-me",
        "changeme",
        "dev-secret-key-change-me-not-for-production",
        "secret",
        "placeholder",
        "xxx",
    }
)


class Environment(StrEnum):
    DEVELOPMENT = "development"
    STAGING = "staging"
    PRODUCTION = "production"


class PmsType(StrEnum):
    LOCAL = "local"
    QLOAPPS = "qloapps"


class LogFormat(StrEnum):
    JSON = "json"
    CONSOLE = "console"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False
    )

    environment: Environment = Environment.DEVELOPMENT
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    web_concurrency: int = Field(default=1, ge=1, le=64)

    database_url: str = "sqlite+aiosqlite:///./var/hotel_agent.db"
    database_pool_size: int = Field(default=10, ge=1)
    database_max_overflow: int = Field(default=10, ge=0)
    redis_url: str | None = None
    redis_key_prefix: str = "ha:"

    pms_type: PmsType = PmsType.LOCAL
    pms_base_url: str | None = None
    pms_api_key: SecretStr | None = None
    pms_hotel_id: str = "miradouro"
    pms_timeout_seconds: float = Field(default=10.0, gt=0)
    # Circuit breaker (shared through the state backend) and PMS read cache, see pms/resilient.py.
    pms_breaker_failure_threshold: int = Field(default=5, ge=1)
    pms_breaker_recovery_seconds: float = Field(default=30.0, gt=0)
    pms_cache_availability_ttl_seconds: float = Field(default=60.0, gt=0)
    pms_cache_profile_ttl_seconds: float = Field(default=3600.0, gt=0)
    check_pms_in_readiness: bool = False

    log_level: str = "INFO"
    log_format: LogFormat | None = None

    secret_key: SecretStr = SecretStr("dev-secret-key-change-me-not-for-production")
    admin_token_ttl_seconds: int = Field(default=900, ge=60, le=86400)
    login_max_failures: int = Field(default=5, ge=1)
    login_lockout_seconds: int = Field(default=900, ge=1)

    languages: list[str] = Field(default_factory=lambda: ["en", "es", "pt"])
    nlu_model_dir: Path = Path("var/models")
    conversation_ttl_seconds: int = Field(default=7 * 24 * 3600, ge=60)

    max_request_body_bytes: int = Field(default=256 * 1024, ge=1024)

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, url: str) -> str:
        # Operators paste the URLs their providers give them; map them onto the async drivers we ship.
        if url.startswith("postgres://"):
            url = "postgresql://" + url.removeprefix("postgres://")
        if url.startswith("postgresql://"):
            return "postgresql+asyncpg://" + url.removeprefix("postgresql://")
        if url.startswith("sqlite:///"):
            return "sqlite+aiosqlite:///" + url.removeprefix("sqlite:///")
        return url

    @field_validator("redis_url")
    @classmethod
    def _empty_redis_is_none(cls, url: str | None) -> str | None:
        return url or None

    @model_validator(mode="after")
    def _pms_settings(self) -> Settings:
        if self.pms_type is PmsType.QLOAPPS:
            missing = [
                name
                for name, value in (("PMS_BASE_URL", self.pms_base_url), ("PMS_API_KEY", self.pms_api_key))
                if not value
            ]
            if missing:
                raise ValueError(f"PMS_TYPE=qloapps needs {', '.join(missing)} to be set")
        return self

    @property
    def is_development(self) -> bool:
        return self.environment is Environment.DEVELOPMENT

    @property
    def effective_log_format(self) -> LogFormat:
        if self.log_format is not None:
            return self.log_format
        return LogFormat.CONSOLE if self.is_development else LogFormat.JSON

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def check_secrets(self) -> None:
        """Refuse placeholder secrets outside development, naming the variable to set."""
        if self.is_development:
            return
        secrets: dict[str, SecretStr | None] = {"SECRET_KEY": self.secret_key}
        if self.pms_type is PmsType.QLOAPPS:
            secrets["PMS_API_KEY"] = self.pms_api_key
        for variable, value in secrets.items():
            raw = value.get_secret_value() if value is not None else ""
            if raw.lower() in PLACEHOLDER_SECRETS or len(raw) < 16:
                raise ConfigurationError(
                    f"{variable} is unset or a placeholder; set {variable} to a random value of at "
                    f"least 16 characters (ENVIRONMENT={self.environment.value})"
                )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Settings read once per process (tests build their own `Settings(...)` instead)."""
    return Settings()
