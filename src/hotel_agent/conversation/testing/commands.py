"""`hotel-agent test conversations PATH...`: run conversation tests in process or against a deployment."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from hotel_agent.config import get_settings
from hotel_agent.conversation.testing.loader import TestFileError, load_paths
from hotel_agent.conversation.testing.report import as_json, render
from hotel_agent.conversation.testing.runner import Outcome, run_all
from hotel_agent.ops.logging import configure_logging

test_app = typer.Typer(help="Tests a hotel operator runs against the product.", no_args_is_help=True)


@test_app.command("conversations")
def conversations(
    paths: Annotated[list[Path], typer.Argument(help="YAML files or folders of test conversations.")],
    url: Annotated[
        str | None, typer.Option(help="A running deployment; default: the embedded default, in process.")
    ] = None,
    channel: Annotated[
        str, typer.Option(help="With --url: 'rest' (/api/v1/messages) or 'whatsapp'.")
    ] = "rest",
    graph_url: Annotated[
        str | None, typer.Option(help="With --channel whatsapp: the fake Graph API the deployment sends to.")
    ] = None,
    pms_check: Annotated[
        bool, typer.Option(help="With --url: verify effects in the PMS this environment configures.")
    ] = False,
    pms_faults_url: Annotated[
        str | None, typer.Option(help="A QloApps emulator whose faults switch takes the PMS down in outages.")
    ] = None,
    now: Annotated[
        str | None, typer.Option(help="ISO date-time for relative dates (hotel time) where a file sets none.")
    ] = None,
    quiet: Annotated[bool, typer.Option(help="Only the numbers: no per-conversation lines.")] = False,
    json_output: Annotated[bool, typer.Option("--json", help="Print the totals as JSON.")] = False,
    name: Annotated[str | None, typer.Option(help="Only conversations whose name contains this.")] = None,
) -> None:
    """Play scripted guests and check replies and PMS effects; non-zero exit when any fails."""
    if channel not in {"rest", "whatsapp"}:
        typer.echo("--channel must be 'rest' or 'whatsapp'", err=True)
        raise typer.Exit(2)
    try:
        tests = load_paths(paths)
    except TestFileError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    if name:
        tests = [test for test in tests if name in test.name]
    default_now = datetime.fromisoformat(now) if now else None
    settings = get_settings()
    configure_logging(settings.model_copy(update={"log_level": "WARNING"}))

    # Imported here: the harness loads the whole engine (NLU, scikit-learn), which every other
    # `hotel-agent` command would otherwise pay for at start-up.
    from hotel_agent.conversation.testing.harness import by_url, in_process

    async def run() -> list[Outcome]:
        if url is None:
            async with in_process(settings) as options:
                options.default_now = default_now
                return await run_all(tests, options)
        async with by_url(
            settings,
            url.rstrip("/"),
            pms_check=pms_check,
            channel=channel,
            graph_url=graph_url,
            pms_faults_url=pms_faults_url,
        ) as options:
            options.default_now = default_now
            return await run_all(tests, options)

    outcomes = asyncio.run(run())
    typer.echo(render(outcomes, details=not quiet))
    if json_output:
        typer.echo(json.dumps(as_json(outcomes)))
    if any(not outcome.passed and not outcome.skipped for outcome in outcomes):
        raise typer.Exit(1)
