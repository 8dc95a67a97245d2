"""The deployment's state: which release is stable, which is the canary, where each process listens."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

Role = Literal["web", "worker"]


class Instance(BaseModel):
    role: Role
    pid: int
    port: int  # the web port, or a worker's metrics port
    log: str

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


class Release(BaseModel):
    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
    directory: str  # the release's checkout; its .venv runs it
    env_file: str | None = None
    instances: list[Instance] = Field(default_factory=list)

    def web(self) -> list[Instance]:
        return [instance for instance in self.instances if instance.role == "web"]

    def workers(self) -> list[Instance]:
        return [instance for instance in self.instances if instance.role == "worker"]


class DeployState(BaseModel):
    environment: str
    stable: Release | None = None
    canary: Release | None = None
    canary_weight: int = Field(default=0, ge=0, le=100)
    nginx_pid: int | None = None

    @classmethod
    def load(cls, path: Path, environment: str) -> DeployState:
        if not path.exists():
            return cls(environment=environment)
        return cls.model_validate_json(path.read_text())

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps(self.model_dump(mode="json"), indent=2) + "\n")
        os.replace(temporary, path)  # a crash mid-write leaves the previous state, never half of one

    def used_ports(self) -> set[int]:
        return {i.port for release in (self.stable, self.canary) if release for i in release.instances}
