"""The `hotel-agent` command line."""

from __future__ import annotations

import asyncio
import getpass
import os
import shutil
import tempfile
from pathlib import Path
from typing import Annotated

import typer

from hotel_agent import __version__
from hotel_agent.channels.whatsapp.commands import whatsapp_app
from hotel_agent.config import get_settings
from hotel_agent.conversation.commands import chat
from hotel_agent.conversation.testing.commands import test_app
from hotel_agent.experiments.commands import experiments_app
from hotel_agent.message_templates.commands import templates_app
from hotel_agent.nlu.commands import nlu_app
from hotel_agent.ops.dashboards import dashboards_command
from hotel_agent.ops.deploy.commands import deploy_app
from hotel_agent.ops.report import ops_app
from hotel_agent.pms.commands import pms_app
from hotel_agent.worker import worker

app = typer.Typer(help="hotel-agent: the open-source virtual hotel receptionist.", no_args_is_help=True)
admin_app = typer.Typer(help="Admin accounts.", no_args_is_help=True)
app.add_typer(admin_app, name="admin")
app.add_typer(nlu_app, name="nlu")
app.add_typer(deploy_app, name="deploy")
app.add_typer(pms_app, name="pms")
app.add_typer(templates_app, name="templates")
app.add_typer(experiments_app, name="experiments")
app.add_typer(whatsapp_app, name="whatsapp")
app.add_typer(test_app, name="test")
app.add_typer(ops_app, name="ops")
ops_app.command("dashboards")(dashboards_command)
app.command()(chat)
app.command()(worker)


@app.command()
def version() -> None:
    """Print the version."""
    typer.echo(__version__)


@app.command()
def migrate(
    revision: Annotated[str, typer.Option(help="Target revision; 'head' is the newest.")] = "head",
    check: Annotated[
        bool,
        typer.Option(
            "--check",
            help="Change nothing; exit 0 at head, 3 behind (or never migrated), 4 ahead of this code, "
            "1 when the database cannot be read.",
        ),
    ] = False,
) -> None:
    """Apply database migrations to DATABASE_URL (or, with --check, say where the database stands)."""
    from hotel_agent.migrations import upgrade

    settings = get_settings()
    if check:
        from hotel_agent.migrations import check as check_schema

        try:
            result = check_schema(settings.database_url)
        except Exception as exc:
            typer.echo(f"cannot read the database's revision: {type(exc).__name__}: {exc}"[:400], err=True)
            raise typer.Exit(1) from None
        typer.echo(result.describe())
        raise typer.Exit(result.exit_code)
    upgrade(settings.database_url, revision)
    typer.echo(f"database migrated to {revision}")


@app.command()
def seed() -> None:
    """Load (or refresh) the demo hotel into the embedded PMS."""
    from hotel_agent.db import standalone_session
    from hotel_agent.pms.local.seed import seed_demo_hotel

    async def run() -> str:
        async with standalone_session(get_settings()) as session:
            hotel = await seed_demo_hotel(session)
            return hotel.name

    typer.echo(f"seeded demo hotel: {asyncio.run(run())}")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Interface to bind; default HOST or 127.0.0.1.")] = None,
    port: Annotated[int | None, typer.Option(help="Port; default PORT or 8000.")] = None,
    workers: Annotated[int | None, typer.Option(help="Worker processes; default WEB_CONCURRENCY.")] = None,
) -> None:
    """Serve the HTTP API with uvicorn."""
    import uvicorn

    settings = get_settings()
    settings.check_secrets()
    workers = workers or settings.web_concurrency
    if workers > 1 and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        # Each worker writes its samples here; /metrics aggregates them. Fresh per start.
        metrics_dir = Path(tempfile.mkdtemp(prefix="hotel-agent-metrics-"))
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(metrics_dir)
    try:
        uvicorn.run(
            "hotel_agent.app:create_app",
            factory=True,
            host=host or settings.host,
            port=port or settings.port,
            workers=workers,
            log_config=None,
            # X-Forwarded-For/-Proto are believed only from FORWARDED_ALLOW_IPS (default: nobody), so a
            # client cannot pick its own address for the sign-in limits (docs/security.md).
            proxy_headers=bool(settings.forwarded_allow_ips),
            forwarded_allow_ips=settings.forwarded_allow_ips or None,
            access_log=False,
            # SIGTERM: in-flight requests get this long, then the lifespan shutdown runs (ops/lifecycle.py).
            timeout_graceful_shutdown=max(1, round(settings.shutdown_graceful_seconds)),
        )
    finally:
        if workers > 1 and os.environ.get("PROMETHEUS_MULTIPROC_DIR", "").startswith(tempfile.gettempdir()):
            shutil.rmtree(os.environ["PROMETHEUS_MULTIPROC_DIR"], ignore_errors=True)


@admin_app.command("create-user")
def create_user(
    username: Annotated[str, typer.Argument(help="Login name.")],
    role: Annotated[str, typer.Option(help="viewer, editor or admin.")] = "viewer",
    password: Annotated[
        str | None,
        typer.Option(
            help="Password (prompted when omitted; or set HOTEL_AGENT_ADMIN_PASSWORD).",
            envvar="HOTEL_AGENT_ADMIN_PASSWORD",
        ),
    ] = None,
) -> None:
    """Create an admin account."""
    from hotel_agent.admin.schemas import AdminRole
    from hotel_agent.admin.service import create_admin_user
    from hotel_agent.db import standalone_session
    from hotel_agent.errors import HotelAgentError

    try:
        parsed_role = AdminRole(role)
    except ValueError:
        typer.echo(f"unknown role '{role}': use viewer, editor or admin", err=True)
        raise typer.Exit(2) from None
    if password is None:
        password = getpass.getpass("Password: ")
        if password != getpass.getpass("Repeat password: "):
            typer.echo("passwords do not match", err=True)
            raise typer.Exit(2)

    async def run() -> None:
        async with standalone_session(get_settings()) as session:
            await create_admin_user(session, username, password, parsed_role)

    try:
        asyncio.run(run())
    except HotelAgentError as exc:
        typer.echo(f"error: {exc.detail}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"created {parsed_role.value} '{username.strip().lower()}'")


def main() -> None:
    app()
