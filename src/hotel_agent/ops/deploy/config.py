"""What a one-host deployment looks like: one TOML file per environment (deploy/onehost/*.toml)."""

from __future__ import annotations

import tomllib
from pathlib import Path

from pydantic import BaseModel, Field, field_validator


class Thresholds(BaseModel):
    """The plan's rollback triggers; the `*_min_*` floors keep noise on tiny numbers from firing them."""

    error_rate_ratio: float = Field(default=2.0, gt=1)  # canary error rate > 2x baseline
    error_rate_min_delta: float = Field(default=0.01, ge=0)  # ... and at least 1 point above it
    p95_ratio: float = Field(default=1.5, gt=1)  # canary P95 > 1.5x baseline
    p95_min_delta_seconds: float = Field(default=0.05, ge=0)  # ... and at least 50 ms slower
    clarification_rate_max_delta: float = Field(default=0.10, ge=0)  # business signal: +10 points
    min_requests: int = Field(default=50, ge=1)  # canary requests before rates and latency are judged
    min_turns: int = Field(default=20, ge=1)  # canary conversation turns before the business signal is
    breaker_open_rolls_back: bool = True


class DeployConfig(BaseModel):
    environment: str = Field(pattern=r"^[a-z][a-z0-9-]{0,30}$")
    directory: Path = Path("var/deploy")  # state, logs, nginx prefix; relative to the working directory
    listen: str = "127.0.0.1:8080"  # where nginx listens (guests and Meta reach this)
    bind_host: str = "127.0.0.1"  # where the app processes listen (nginx only)
    base_port: int = Field(default=18000, ge=1024, le=65000)  # instance ports are taken from here up
    web_instances: int = Field(default=2, ge=1, le=32)
    workers: int = Field(default=2, ge=0, le=32)
    canary_web_instances: int = Field(default=1, ge=1, le=32)
    canary_workers: int = Field(default=1, ge=0, le=32)
    worker_concurrency: int = Field(default=4, ge=1, le=256)
    steps: list[int] = Field(default=[10, 25, 50, 100])
    observation_seconds: float = Field(default=900.0, gt=0)  # the plan's 15 minutes
    # A quiet canary is observed again instead of being judged on noise, this many times at most.
    max_extensions: int = Field(default=2, ge=0)
    drain_seconds: float = Field(default=2.0, ge=0)  # after an instance leaves nginx, before SIGTERM
    start_timeout_seconds: float = Field(default=120.0, gt=0)
    stop_timeout_seconds: float = Field(default=45.0, gt=0)
    nginx: str = "nginx"  # the binary
    # pg_dump before every `deploy` and `canary` (ops/deploy/backup.py); production: on.
    backup_before_deploy: bool = False
    backups_keep: int = Field(default=20, ge=0)  # newest backups kept (0: all)
    thresholds: Thresholds = Field(default_factory=Thresholds)
    # Routes left out of error rate and latency (probes and scrapes are not guest traffic).
    ignored_routes: list[str] = Field(default=["/health/live", "/health/ready", "/metrics"])

    @field_validator("steps")
    @classmethod
    def _steps_increase_to_100(cls, steps: list[int]) -> list[int]:
        if not steps or steps != sorted(set(steps)) or steps[-1] != 100 or steps[0] <= 0:
            raise ValueError("steps must increase strictly, start above 0 and end at 100")
        return steps

    @property
    def state_dir(self) -> Path:
        return self.directory / self.environment

    @property
    def backup_dir(self) -> Path:
        return self.state_dir / "backups"

    @property
    def listen_port(self) -> int:
        return int(self.listen.rsplit(":", 1)[1])

    @property
    def public_url(self) -> str:
        host = self.listen.rsplit(":", 1)[0]
        wildcard = host in {"*", "::", "0.0.0.0"}  # noqa: S104 - recognising a wildcard, not binding one
        return f"http://{'127.0.0.1' if wildcard else host}:{self.listen_port}"


def load_config(path: Path, **overrides: object) -> DeployConfig:
    """The TOML file, with command-line overrides (None means not given)."""
    with path.open("rb") as handle:
        data = tomllib.load(handle)
    data.update({key: value for key, value in overrides.items() if value is not None})
    return DeployConfig.model_validate(data)
