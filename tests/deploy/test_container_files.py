"""The container files, checked with what runs without a Docker engine.

- docker-compose.production.yml: `docker-compose config` (Debian's docker-compose, installed by .ci/run)
  interpolates it with .env.staging.template and must accept it; a missing secret must stop it.
- Dockerfile: parsed with dockerfile-parse and held to the rules the image promises (multi-stage,
  non-root, HEALTHCHECK, the lock installed with CI's commands, the NLU model built at build time), and
  every COPY source must exist in the build context (.dockerignore applied).
- .env.staging.template: every name is a real setting (config.py) or a compose variable, and the plan's
  values load into `Settings`.
- The compose file's nginx and Prometheus configs pass `nginx -t` and `promtool check config`.
"""

from __future__ import annotations

import fnmatch
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from dockerfile_parse import DockerfileParser
from dotenv import dotenv_values

from hotel_agent.config import PmsType, Settings
from tests.support.services import require_binary

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.production.yml"
TEMPLATE = ROOT / ".env.staging.template"
SERVICES = {"postgres", "redis", "migrate", "app", "worker", "nginx", "prometheus", "alertmanager", "grafana"}
# Variables of the compose file that are not application settings.
COMPOSE_ONLY = {
    "HOTEL_AGENT_IMAGE",
    "POSTGRES_PASSWORD",
    "HTTP_PORT",
    "GRAFANA_PORT",
    "GRAFANA_ADMIN_PASSWORD",
    "GRAFANA_POSTGRES_USER",
    "GRAFANA_POSTGRES_PASSWORD",
    "SLACK_WEBHOOK_URL",
    "SMTP_PASSWORD",
}


def _compose_config(env_file: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    binary = require_binary("docker-compose")
    return subprocess.run(
        [binary, "--env-file", str(env_file), "-f", str(COMPOSE), "config"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        # No variable of the caller's environment may fill in what the env file leaves out.
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
        check=False,
    )


def _rendered(tmp_path: Path) -> dict[str, Any]:
    result = _compose_config(TEMPLATE, tmp_path)
    assert result.returncode == 0, result.stderr
    rendered: dict[str, Any] = yaml.safe_load(result.stdout)
    return rendered


def test_compose_file_validates_with_the_staging_template(tmp_path: Path) -> None:
    services = _rendered(tmp_path)["services"]
    assert set(services) == SERVICES
    app, worker = services["app"], services["worker"]
    assert app["environment"]["PMS_TYPE"] == "qloapps"
    assert app["environment"]["CHECK_PMS_IN_READINESS"] == "true"
    assert app["environment"]["DATABASE_URL"].endswith("@postgres:5432/hotel_agent")
    assert app["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert services["migrate"]["command"] == ["hotel-agent", "migrate"]
    assert worker["command"][:2] == ["hotel-agent", "worker"]
    for name in ("app", "worker", "postgres", "redis", "nginx"):
        assert services[name]["healthcheck"]["test"], name
    assert "/health/ready" in " ".join(app["healthcheck"]["test"])
    # Other services' secrets never reach the application's environment.
    for name in ("app", "worker", "migrate"):
        leaked = {
            "SLACK_WEBHOOK_URL",
            "SMTP_PASSWORD",
            "GRAFANA_ADMIN_PASSWORD",
            "GRAFANA_POSTGRES_PASSWORD",
        } & set(services[name]["environment"])
        assert not leaked, (name, leaked)
    # Only nginx (and Grafana, on loopback) are published on the host.
    published = {name for name, service in services.items() if service.get("ports")}
    assert published == {"nginx", "grafana"}
    assert all(str(port).startswith("127.0.0.1:") for port in services["grafana"]["ports"])
    # Every file the compose file mounts from this repository exists.
    for service in services.values():
        for volume in service.get("volumes", []):
            source = str(volume.get("source", "")) if isinstance(volume, dict) else volume.split(":")[0]
            if source.startswith(str(ROOT)):
                assert Path(source).exists(), source


def test_compose_refuses_to_start_without_a_secret(tmp_path: Path) -> None:
    values = dotenv_values(TEMPLATE)
    env_file = tmp_path / "env"
    env_file.write_text("".join(f"{k}={v}\n" for k, v in values.items() if k != "POSTGRES_PASSWORD"))
    result = _compose_config(env_file, tmp_path)
    assert result.returncode != 0
    assert "set POSTGRES_PASSWORD" in result.stderr


def test_env_template_names_real_settings_and_the_plans_values_load() -> None:
    values = {key: value for key, value in dotenv_values(TEMPLATE).items() if value is not None}
    fields = {name.upper() for name in Settings.model_fields}
    unknown = set(values) - fields - COMPOSE_ONLY
    assert not unknown, f"not a setting of config.py nor a compose variable: {sorted(unknown)}"
    for key in ("PMS_TYPE", "PMS_BASE_URL", "PMS_API_KEY", "PMS_HOTEL_ID", "CHECK_PMS_IN_READINESS"):
        assert key in values
    # Every setting the compose file passes to the app is in the template (or fixed by the compose file).
    compose = COMPOSE.read_text()
    passed = set(re.findall(r"^    ([A-Z_]+): ", compose.split("services:")[0], flags=re.MULTILINE))
    assert passed - set(values) <= {"HOST", "QUEUE_IN_PROCESS_WORKER", "DATABASE_URL", "REDIS_URL"}
    # Filled in with real-looking secrets, the template is a valid staging configuration.
    filled = {
        key: ("s3cr3t-" + "x" * 24 if value.startswith("<") or "<" in value else value)
        for key, value in values.items()
        if key.lower() in Settings.model_fields
    }
    settings = Settings(_env_file=None, **{key.lower(): value for key, value in filled.items()})  # type: ignore[arg-type]
    assert settings.pms_type is PmsType.QLOAPPS
    assert settings.check_pms_in_readiness is True
    assert settings.environment.value == "staging"
    settings.check_secrets()  # real secrets pass; the template's placeholders would not:
    with pytest.raises(Exception, match="SECRET_KEY"):
        Settings(
            _env_file=None,  # type: ignore[call-arg]
            **{**{k.lower(): v for k, v in filled.items()}, "secret_key": values["SECRET_KEY"][:10]},
        ).check_secrets()


def _dockerignore() -> list[str]:
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def _in_context(path: str, patterns: list[str]) -> bool:
    """Docker's rule, simplified to what our .dockerignore uses: the last matching pattern wins."""
    included = True
    for pattern in patterns:
        negated = pattern.startswith("!")
        bare = pattern.lstrip("!").rstrip("/")
        if fnmatch.fnmatch(path, bare) or path.startswith(bare + "/"):
            included = negated
    return included


def test_dockerfile_keeps_the_images_promises() -> None:
    parser = DockerfileParser(path=str(ROOT / "Dockerfile"))
    instructions = parser.structure
    stages: list[list[dict[str, Any]]] = []
    for instruction in instructions:
        if instruction["instruction"] == "FROM":
            stages.append([])
        if stages:
            stages[-1].append(instruction)
    assert len(stages) >= 2, "multi-stage: build and runtime"
    build, runtime = stages[0], stages[-1]

    def values(stage: list[dict[str, Any]], name: str) -> list[str]:
        return [str(i["value"]) for i in stage if i["instruction"] == name]

    # Non-root: the runtime stage ends as a numeric, non-zero user.
    users = values(runtime, "USER")
    assert users, "the runtime stage sets USER"
    uid = users[-1].split(":")[0]
    assert uid.isdigit(), users[-1]
    assert int(uid) != 0, users[-1]
    assert values(runtime, "HEALTHCHECK"), "HEALTHCHECK in the runtime stage"
    assert "/health/live" in values(runtime, "HEALTHCHECK")[0]
    assert values(runtime, "CMD")[0].startswith("["), "exec-form CMD (signals reach the process)"

    # The install is CI's: uv at the Makefile's version, `uv sync --frozen` (never an unlocked resolve).
    makefile_uv = re.search(r"^UV_VERSION := (\S+)$", (ROOT / "Makefile").read_text(), re.MULTILINE)
    assert makefile_uv is not None
    assert f"UV_VERSION={makefile_uv.group(1)}" in values(build, "ARG")
    runs = values(build, "RUN")
    syncs = [run for run in runs if "uv sync" in run]
    assert syncs, "the build stage installs with uv sync"
    assert all("--frozen" in run for run in syncs), syncs
    assert not any(re.search(r"\b(uv )?pip install\b(?!.*uv==)", run) for run in runs), runs
    # The NLU model is built at image build time and shipped in the runtime stage.
    assert any("nlu train" in run for run in runs)
    assert any("var/models" in copy for copy in values(runtime, "COPY"))
    assert not [i for stage in stages for i in stage if i["instruction"] == "ADD"], "COPY, not ADD"

    # Every COPY from the context exists and is not excluded by .dockerignore.
    patterns = _dockerignore()
    for copy in (i for stage in stages for i in stage if i["instruction"] == "COPY"):
        parts = str(copy["value"]).split()
        if any(part.startswith("--from") for part in parts):
            continue
        sources = [part for part in parts if not part.startswith("--")][:-1]
        for source in sources:
            assert (ROOT / source).exists(), f"COPY {source}: not in the repository"
            assert _in_context(source, patterns), f"COPY {source}: excluded by .dockerignore"
    # Base images are pinned to a version, never `latest`.
    for line in values(build, "ARG") + [str(stage[0]["value"]) for stage in stages]:
        assert ":latest" not in line, line


def test_compose_nginx_config_passes_nginx_t(tmp_path: Path) -> None:
    nginx = shutil.which("nginx") or require_binary("nginx")
    # `app` is the compose network's name; nginx -t resolves upstream hosts, so a loopback stands in.
    server = (ROOT / "deploy" / "nginx" / "compose.conf").read_text().replace("app:8000", "127.0.0.1:8000")
    for folder in ("logs", "tmp"):
        (tmp_path / folder).mkdir()
    conf = tmp_path / "nginx.conf"
    conf.write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/logs/error.log;\nevents {{}}\n"
        f"http {{\n client_body_temp_path {tmp_path}/tmp;\n proxy_temp_path {tmp_path}/tmp;\n"
        f" access_log off;\n{server.replace('listen 80;', 'listen 127.0.0.1:18998;')}\n}}\n"
    )
    result = subprocess.run(
        [nginx, "-t", "-p", str(tmp_path), "-c", str(conf)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr


def test_compose_prometheus_config_is_valid() -> None:
    promtool = require_binary("promtool")
    config = ROOT / "deploy" / "prometheus" / "prometheus.compose.yml"
    result = subprocess.run(
        [promtool, "check", "config", str(config)], capture_output=True, text=True, check=False, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr
    targets = yaml.safe_load(config.read_text())["alerting"]["alertmanagers"][0]["static_configs"][0]
    assert targets["targets"] == ["alertmanager:9093"]
