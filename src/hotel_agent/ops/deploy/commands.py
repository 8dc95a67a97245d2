"""`hotel-agent deploy ...`: one-host releases behind nginx, canary, promotion, rollback."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Annotated

import typer

from hotel_agent.ops.deploy.config import DeployConfig, load_config
from hotel_agent.ops.deploy.processes import DeployError
from hotel_agent.ops.deploy.rollout import Deployer
from hotel_agent.ops.deploy.state import Release

deploy_app = typer.Typer(
    help="One-host deployment behind nginx: releases, canary, promotion, rollback (docs/deploy.md).",
    no_args_is_help=True,
)

ConfigOption = Annotated[
    Path,
    typer.Option("--config", help="The environment's deploy file (deploy/onehost/ENV.toml).", exists=True),
]
ReportOption = Annotated[Path, typer.Option("--report", help="Where the canary report is written.")]
DEFAULT_REPORT = Path(".playbook/canary_diff_report.json")


def _deployer(config_path: Path, report: Path = DEFAULT_REPORT) -> Deployer:
    config: DeployConfig = load_config(config_path)
    return Deployer(config, report, echo=typer.echo)


def _default_release() -> str:
    try:
        described = subprocess.run(
            ["git", "describe", "--always", "--dirty"], capture_output=True, text=True, timeout=10
        )
    except OSError:
        return "release"
    return described.stdout.strip() or "release"


def _fail(exc: DeployError) -> typer.Exit:
    typer.echo(f"error: {exc}", err=True)
    return typer.Exit(1)


@deploy_app.command("up")
def up(
    config: ConfigOption,
    release: Annotated[str | None, typer.Option(help="Release name (default: git describe).")] = None,
    directory: Annotated[Path, typer.Option(help="The release's checkout (its .venv runs it).")] = Path("."),
    env_file: Annotated[Path | None, typer.Option(help="The release's environment (.env.ENV).")] = None,
) -> None:
    """Migrate, start a release's web processes and workers, put nginx in front (replaces the stable one)."""
    try:
        _deployer(config).deploy(release or _default_release(), directory, env_file)
    except DeployError as exc:
        raise _fail(exc) from None


@deploy_app.command("health")
def health(config: ConfigOption) -> None:
    """Readiness of every instance and of nginx; exit 1 when any is not ready."""
    lines = _deployer(config).health()
    for line in lines:
        typer.echo(
            f"{'ok  ' if line.ok else 'FAIL'} {line.release:<24} {line.role:<6} :{line.port} {line.detail}"
        )
    if len(lines) <= 1 or not all(line.ok for line in lines):
        raise typer.Exit(1)


@deploy_app.command("canary")
def canary(
    config: ConfigOption,
    weight: Annotated[int, typer.Option(help="Share of requests for the canary, 1-99.", min=1, max=99)] = 10,
    release: Annotated[str | None, typer.Option(help="Release name (default: git describe).")] = None,
    directory: Annotated[Path, typer.Option(help="The new release's checkout.")] = Path("."),
    env_file: Annotated[Path | None, typer.Option(help="The new release's environment.")] = None,
) -> None:
    """Start a new release beside the stable one with `weight` % of requests (or re-weight the canary)."""
    try:
        _deployer(config).canary(release or _default_release(), directory, env_file, weight)
    except DeployError as exc:
        raise _fail(exc) from None


@deploy_app.command("diff")
def diff(
    config: ConfigOption,
    window: Annotated[float | None, typer.Option(help="Seconds to observe (default: the config's).")] = None,
    report: ReportOption = DEFAULT_REPORT,
) -> None:
    """Stable vs canary over a window; writes the report; exit 1 when a trigger fired, 2 when too quiet."""
    deployer = _deployer(config, report)
    try:
        document = deployer.observe(window if window is not None else deployer.config.observation_seconds)
    except DeployError as exc:
        raise _fail(exc) from None
    typer.echo(json.dumps({k: document[k] for k in ("verdict", "fired", "canary_weight")}))
    typer.echo(f"report: {report}")
    raise typer.Exit({"pass": 0, "fail": 1}.get(document["verdict"], 2))


@deploy_app.command("promote")
def promote(
    config: ConfigOption,
    pause: Annotated[float | None, typer.Option(help="Observation per step in seconds.")] = None,
    auto_rollback: Annotated[bool, typer.Option(help="Roll back when a trigger fires.")] = True,
    report: ReportOption = DEFAULT_REPORT,
) -> None:
    """Step the canary up to 100% with an observation pause per step; rolls back automatically."""
    try:
        document = _deployer(config, report).promote(pause, auto_rollback)
    except DeployError as exc:
        raise _fail(exc) from None
    typer.echo(json.dumps({k: document[k] for k in ("action", "verdict", "fired", "canary_weight")}))
    raise typer.Exit(0 if document["action"] == "promoted" else 1)


@deploy_app.command("rollback")
def rollback(config: ConfigOption) -> None:
    """Send 100% of requests to the stable release at once, then stop the canary."""
    try:
        _deployer(config).rollback("manual")
    except DeployError as exc:
        raise _fail(exc) from None


EnvFileOption = Annotated[
    Path | None, typer.Option("--env-file", help="The environment's variables (.env.ENV): DATABASE_URL.")
]


def _database_holder(env_file: Path | None) -> Release:
    return Release(name="backup", directory=str(Path(".").resolve()), env_file=_env_path(env_file))


def _env_path(env_file: Path | None) -> str | None:
    return str(env_file.resolve()) if env_file is not None else None


@deploy_app.command("backup")
def backup_command(
    config: ConfigOption,
    env_file: EnvFileOption = None,
    label: Annotated[str, typer.Option(help="Added to the file name.")] = "manual",
) -> None:
    """pg_dump DATABASE_URL into the environment's backups folder; prints the file."""
    try:
        path = _deployer(config).backup(_database_holder(env_file), label)
    except DeployError as exc:
        raise _fail(exc) from None
    typer.echo(str(path))


@deploy_app.command("restore")
def restore_command(
    config: ConfigOption,
    backup: Annotated[
        Path | None, typer.Option("--backup", help="The .dump file (default: the newest backup).")
    ] = None,
    env_file: EnvFileOption = None,
    yes: Annotated[bool, typer.Option("--yes", help="Really replace the database's contents.")] = False,
    force: Annotated[bool, typer.Option(help="Even while releases run on this environment.")] = False,
) -> None:
    """Replace DATABASE_URL's contents with a backup (one transaction); asks for --yes."""
    from hotel_agent.ops.deploy.backup import list_backups

    deployer = _deployer(config)
    chosen = backup or next(reversed(list_backups(deployer.config.backup_dir)), None)
    if chosen is None:
        typer.echo(f"error: no backup in {deployer.config.backup_dir}", err=True)
        raise typer.Exit(1)
    if not yes:
        typer.echo(f"would replace the database with {chosen}; run again with --yes (make restore YES=1)")
        raise typer.Exit(2)
    try:
        typer.echo(deployer.restore(_database_holder(env_file), chosen, force=force))
    except DeployError as exc:
        raise _fail(exc) from None


@deploy_app.command("status")
def status(config: ConfigOption) -> None:
    """The state file: releases, their processes, the canary weight."""
    typer.echo(_deployer(config).state().model_dump_json(indent=2))


@deploy_app.command("down")
def down(config: ConfigOption) -> None:
    """Stop nginx and every process of the environment (graceful)."""
    try:
        _deployer(config).down()
    except DeployError as exc:
        raise _fail(exc) from None
