"""All configuration, from environment variables (or a .env file), in one typed settings class.

Domain code receives a `Settings` instance; nothing else reads `os.environ`.
"""

from __future__ import annotations

from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr, field_validator, model_validator
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
        # Development defaults of the WhatsApp channel (see Settings._whatsapp_development_defaults).
        "dev-whatsapp-app-secret",
        "dev-whatsapp-verify-token",
        "dev-whatsapp-access-token",
    }
)
DEV_WHATSAPP_PHONE_NUMBER_ID = "100000000000001"


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


class WhatsAppTemplateRef(BaseModel):
    """An approved WhatsApp template that stands in for one of our replies outside the 24-hour window."""

    name: str = Field(min_length=1, max_length=512)
    # Our language ("en", "es", "pt") -> the template's language code at Meta ("en_US", "pt_BR").
    languages: dict[str, str] = Field(min_length=1)
    # Body parameters in order; "text" is the reply's rendered text ({{1}} in the template body).
    body_parameters: list[Literal["text"]] = Field(default_factory=list)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False
    )

    environment: Environment = Environment.DEVELOPMENT
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    web_concurrency: int = Field(default=1, ge=1, le=64)
    # Graceful stop of a web process (ops/lifecycle.py, docs/deploy.md): after SIGTERM /health/ready
    # answers 503 for SHUTDOWN_DRAIN_SECONDS while requests are still served (a load balancer that
    # polls readiness stops sending), then the listener closes and in-flight requests get up to
    # SHUTDOWN_GRACEFUL_SECONDS to finish.
    shutdown_drain_seconds: float = Field(default=0.0, ge=0, le=300)
    shutdown_graceful_seconds: float = Field(default=30.0, gt=0, le=600)

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
    # Freeze the start-up heap out of the garbage collector (ops/heap.py); off only for test processes
    # that start many apps.
    gc_freeze_after_start: bool = True
    log_format: LogFormat | None = None

    secret_key: SecretStr = SecretStr("dev-secret-key-change-me-not-for-production")
    admin_token_ttl_seconds: int = Field(default=900, ge=60, le=86400)
    # Sign-in limits (admin/throttle.py, docs/security.md): never an account lock. Per (user, address):
    # LOGIN_MAX_FAILURES attempts without success in LOGIN_WINDOW_SECONDS, then one attempt per delay
    # that doubles from LOGIN_BACKOFF_BASE_SECONDS up to LOGIN_BACKOFF_MAX_SECONDS. Per address: past
    # LOGIN_ADDRESS_MAX_FAILURES failures in the window only users who signed in from it before may try.
    login_max_failures: int = Field(default=5, ge=1)
    login_window_seconds: int = Field(default=900, ge=1)
    login_backoff_base_seconds: float = Field(default=30.0, gt=0)
    login_backoff_max_seconds: float = Field(default=300.0, gt=0)
    login_address_max_failures: int = Field(default=50, ge=1)
    login_known_address_days: int = Field(default=30, ge=1)
    # Addresses whose X-Forwarded-For / X-Forwarded-Proto are believed (uvicorn's forwarded_allow_ips):
    # comma-separated IPs or CIDRs, or "*". Empty (the default): no proxy is trusted and the client
    # address is the TCP peer's. Behind the bundled nginx on the same host: 127.0.0.1 (docs/security.md).
    forwarded_allow_ips: str = ""
    # The admin UI's session (a cookie naming a server-side session): signed out after this long.
    admin_session_ttl_seconds: int = Field(default=8 * 3600, ge=60, le=7 * 86400)

    languages: list[str] = Field(default_factory=lambda: ["en", "es", "pt"])
    nlu_model_dir: Path = Path("var/models")
    conversation_ttl_seconds: int = Field(default=7 * 24 * 3600, ge=60)
    # Reply templates: how often replicas check for activations they missed, and usage-stat batching.
    templates_poll_seconds: float = Field(default=0.25, gt=0, le=1)
    templates_db_check_seconds: float = Field(default=5.0, gt=0)
    templates_usage_flush_seconds: float = Field(default=1.0, gt=0)
    # A/B tests: first exposures are written in batches this often; replicas check for experiment
    # changes (shared stamp) every poll and reload from the database every reload; sticky assignments
    # live this long in the state backend (the exposure row is their durable copy).
    experiments_flush_seconds: float = Field(default=1.0, gt=0)
    experiments_poll_seconds: float = Field(default=0.5, gt=0, le=5)
    experiments_reload_seconds: float = Field(default=10.0, gt=0)
    experiments_sticky_ttl_seconds: int = Field(default=30 * 24 * 3600, ge=3600)

    max_request_body_bytes: int = Field(default=256 * 1024, ge=1024)

    # WhatsApp Cloud API channel (channels/whatsapp/, docs/whatsapp.md). The channel is on when
    # WHATSAPP_APP_SECRET is set; development fills in placeholders so `whatsapp simulate` works.
    whatsapp_app_secret: SecretStr | None = None
    whatsapp_verify_token: SecretStr | None = None
    whatsapp_access_token: SecretStr | None = None
    whatsapp_phone_number_id: str | None = None
    whatsapp_api_version: str = "v23.0"
    whatsapp_api_base_url: str = "https://graph.facebook.com"
    whatsapp_timeout_seconds: float = Field(default=10.0, gt=0)
    # phone_number_id -> hotel code; empty = WHATSAPP_PHONE_NUMBER_ID serves PMS_HOTEL_ID.
    whatsapp_hotels: dict[str, str] = Field(default_factory=dict)
    # Our reply key (or "*" for any) -> approved template, used outside the 24-hour window.
    whatsapp_templates: dict[str, WhatsAppTemplateRef] = Field(default_factory=dict)
    # Meta sends webhook payloads of up to 3 MB; the rest of the API keeps MAX_REQUEST_BODY_BYTES.
    whatsapp_max_body_bytes: int = Field(default=3 * 1024 * 1024, ge=1024)
    # Webhook writes in flight at once per process (each on a connection of the intake's own pool).
    whatsapp_intake_lanes: int = Field(default=4, ge=1, le=32)
    whatsapp_max_attempts: int = Field(default=5, ge=1)
    whatsapp_retry_base_seconds: float = Field(default=2.0, gt=0)
    whatsapp_retry_max_seconds: float = Field(default=300.0, gt=0)
    whatsapp_send_retries: int = Field(default=3, ge=0)
    whatsapp_reconcile_seconds: float = Field(default=20.0, ge=0)
    whatsapp_mark_read: bool = True

    # Job queue (queue.py): procrastinate on PostgreSQL, in-process on SQLite.
    queue_in_process_worker: bool = True
    queue_worker_concurrency: int = Field(default=8, ge=1, le=256)
    queue_heartbeat_seconds: float = Field(default=5.0, gt=0)
    queue_stalled_seconds: float = Field(default=30.0, gt=0)
    queue_sweep_seconds: float = Field(default=10.0, gt=0)
    # On SIGTERM a worker takes no new job and gives its running jobs this long to finish.
    queue_shutdown_graceful_seconds: float = Field(default=10.0, gt=0, le=600)
    # Supervision (queue_supervisor.py): a runnable job waiting longer than this means the backlog is not
    # moving (readiness fails; an idle worker that leaves it waiting is restarted). Restarts back off
    # from QUEUE_RESTART_BACKOFF_SECONDS, doubling up to the maximum.
    queue_wedged_seconds: float = Field(default=60.0, gt=0)
    queue_restart_backoff_seconds: float = Field(default=0.5, gt=0)
    queue_restart_backoff_max_seconds: float = Field(default=30.0, gt=0)
    # Testing only: "name" / "name@key" points where a worker kills itself, "name=error" where it raises
    # (kit/failpoints.py).
    failpoints: list[str] = Field(default_factory=list)
    failpoints_dir: Path | None = None

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

    @model_validator(mode="after")
    def _whatsapp_development_defaults(self) -> Settings:
        if self.is_development and self.whatsapp_app_secret is None:
            self.whatsapp_app_secret = SecretStr("dev-whatsapp-app-secret")
            self.whatsapp_verify_token = self.whatsapp_verify_token or SecretStr("dev-whatsapp-verify-token")
            self.whatsapp_access_token = self.whatsapp_access_token or SecretStr("dev-whatsapp-access-token")
            self.whatsapp_phone_number_id = self.whatsapp_phone_number_id or DEV_WHATSAPP_PHONE_NUMBER_ID
        return self

    @property
    def whatsapp_enabled(self) -> bool:
        return self.whatsapp_app_secret is not None

    def whatsapp_hotel_for(self, phone_number_id: str) -> str | None:
        """The hotel a business phone number serves, or None for a number we do not serve."""
        if self.whatsapp_hotels:
            return self.whatsapp_hotels.get(phone_number_id)
        return self.pms_hotel_id if phone_number_id == self.whatsapp_phone_number_id else None

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
        if self.whatsapp_enabled:
            secrets["WHATSAPP_APP_SECRET"] = self.whatsapp_app_secret
            secrets["WHATSAPP_VERIFY_TOKEN"] = self.whatsapp_verify_token
            secrets["WHATSAPP_ACCESS_TOKEN"] = self.whatsapp_access_token
            if not self.whatsapp_phone_number_id and not self.whatsapp_hotels:
                raise ConfigurationError(
                    "WHATSAPP_APP_SECRET is set but WHATSAPP_PHONE_NUMBER_ID is not; set the business "
                    "phone number id the channel answers on"
                )
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
