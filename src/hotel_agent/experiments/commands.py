"""`hotel-agent experiments ...`: the A/B tests from the command line, through the same service as the API.

    hotel-agent experiments list [--status running]
    hotel-agent experiments create --file greeting-warmer.yaml     # the API's create body, YAML or JSON
    hotel-agent experiments start|stop KEY
    hotel-agent experiments promote KEY [--variant variant_a]
    hotel-agent experiments report KEY [--json]                   # the results table

Writes are audited under `--actor` (default `cli:<login>`) and announced to running replicas (the shared
stamp they poll; the template texts a promotion changed) once committed.
"""

from __future__ import annotations

import asyncio
import getpass
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
import yaml
from pydantic import ValidationError

from hotel_agent.config import Settings, get_settings
from hotel_agent.db import standalone_session
from hotel_agent.errors import HotelAgentError
from hotel_agent.experiments.runtime import STAMP_KEY
from hotel_agent.experiments.schemas import ExperimentCreate, ExperimentResults, PromoteRequest
from hotel_agent.message_templates.sync import publish_change
from hotel_agent.message_templates.versioning import TemplateOptions
from hotel_agent.resources import build_state_backend

if TYPE_CHECKING:
    from hotel_agent.experiments.service import ExperimentService

experiments_app = typer.Typer(help="A/B tests of reply wording.", no_args_is_help=True)

T = TypeVar("T")
Actor = Annotated[str | None, typer.Option(help="Who is acting (audit trail); default cli:<login>.")]


def _actor(actor: str | None) -> str:
    if actor:
        return actor[:100]
    try:
        return f"cli:{getpass.getuser()}"[:100]
    except (KeyError, OSError):
        return "cli"


async def _run(settings: Settings, action: Callable[[ExperimentService], Awaitable[T]], *, write: bool) -> T:
    # Imported here: the service brings scipy, which every other command would pay for at start-up.
    from hotel_agent.experiments.service import ExperimentService

    options = TemplateOptions(languages=tuple(settings.languages))
    async with standalone_session(settings, write=write) as session:
        service = ExperimentService(session, options)
        result = await action(service)
    if write and (service.changed or service.template_changes):
        state = build_state_backend(settings)
        try:
            if service.template_changes:
                await publish_change(state, service.template_changes)
            if service.changed:
                await state.incr(STAMP_KEY)
        except Exception as exc:  # committed already: replicas catch up at their next database reload
            typer.echo(
                f"warning: replicas not told ({type(exc).__name__}); they reload within seconds", err=True
            )
        finally:
            await state.close()
    return result


def _call(action: Callable[[ExperimentService], Awaitable[T]], *, write: bool = False) -> T:
    try:
        return asyncio.run(_run(get_settings(), action, write=write))
    except HotelAgentError as exc:
        typer.echo(f"error: {exc.detail}", err=True)
        raise typer.Exit(1) from None


@experiments_app.command("list")
def list_command(
    status: Annotated[str | None, typer.Option(help="draft, running, paused or stopped.")] = None,
) -> None:
    """Experiments, newest first."""
    listing = _call(lambda service: service.list_experiments(status))
    if not listing.items:
        typer.echo("no experiments")
    for item in listing.items:
        split = " / ".join(f"{v.name} {v.weight:g}" for v in item.variants)
        typer.echo(f"{item.key:<32} {item.status:<8} phase {item.phase}  {item.template_key}  [{split}]")


@experiments_app.command("create")
def create_command(
    file: Annotated[Path, typer.Option(help="The experiment as YAML or JSON (the API's create body).")],
    actor: Actor = None,
) -> None:
    """Create a draft experiment from a file; variant texts in it are validated like any version."""
    try:
        raw: Any = yaml.safe_load(file.read_text(encoding="utf-8"))
        body = ExperimentCreate.model_validate(raw)
    except (OSError, yaml.YAMLError) as exc:
        typer.echo(f"error: cannot read {file}: {exc}", err=True)
        raise typer.Exit(1) from None
    except ValidationError as exc:
        typer.echo(f"error: {file} is not a valid experiment:\n{exc}", err=True)
        raise typer.Exit(1) from None
    created = _call(lambda service: service.create(body, _actor(actor)), write=True)
    typer.echo(f"created {created.key} (draft) on {created.template_key}")
    for warning in created.warnings:
        typer.echo(f"  warning: {warning}")


@experiments_app.command("start")
def start_command(key: str, actor: Actor = None) -> None:
    """Start (or resume) an experiment."""
    started = _call(lambda service: service.start(key, _actor(actor)), write=True)
    typer.echo(f"{started.key} is running (phase {started.phase})")


@experiments_app.command("stop")
def stop_command(key: str, actor: Actor = None) -> None:
    """Stop an experiment for good, keeping the default text."""
    stopped = _call(lambda service: service.stop(key, _actor(actor)), write=True)
    typer.echo(f"{stopped.key} is stopped")


@experiments_app.command("promote")
def promote_command(
    key: str,
    variant: Annotated[
        str | None, typer.Option(help="Promote this variant; default: the called winner.")
    ] = None,
    actor: Actor = None,
) -> None:
    """Stop and make the winner's texts the live default version."""
    request = PromoteRequest(variant=variant)
    promoted = _call(lambda service: service.promote(key, request, _actor(actor)), write=True)
    typer.echo(f"{promoted.key} stopped; {promoted.winner!r} is the live default text")


@experiments_app.command("report")
def report_command(
    key: str,
    as_json: Annotated[bool, typer.Option("--json", help="The results as JSON.")] = False,
) -> None:
    """The results table: exposures, conversions, rate and interval, uplift, p, chance to beat control."""
    results = _call(lambda service: service.results(key))
    if as_json:
        typer.echo(json.dumps(results.model_dump(mode="json"), indent=2))
        return
    typer.echo(render_report(results))


def _pct(value: float | None, signed: bool = False) -> str:
    if value is None:
        return "-"
    return f"{value * 100:+.1f}%" if signed else f"{value * 100:.1f}%"


def render_report(results: ExperimentResults) -> str:
    """The results as a text table, warnings below it."""
    header = (
        f"{'variant':<12} {'weight':>6} {'exposed':>8} {'booked':>7} {'rate':>6} {'95% interval':>15} "
        f"{'uplift':>7} {'uplift 95%':>17} {'p':>7} {'beat ctl':>8} {'fallbk':>6} {'cancel':>6}"
    )
    goal = f"goal: a booking within {results.goal_days} days"
    lines = [f"{results.key}: {results.status}, phase {results.phase}, {goal}", header]
    for arm in results.arms:
        low, high = arm.rate_interval
        uplift_interval = (
            f"{_pct(arm.uplift_interval[0], True)}..{_pct(arm.uplift_interval[1], True)}"
            if arm.uplift_interval
            else "-"
        )
        lines.append(
            f"{arm.variant:<12} {arm.weight:>6.2f} {arm.exposures:>8} {arm.conversions:>7} "
            f"{_pct(arm.rate):>6} "
            f"{_pct(low) + '..' + _pct(high):>15} {_pct(arm.uplift, True):>7} {uplift_interval:>17} "
            f"{(f'{arm.p_value:.3f}' if arm.p_value is not None else '-'):>7} "
            f"{_pct(arm.chance_to_beat_control):>8} {arm.fallbacks:>6} {arm.cancellations:>6}"
        )
    srm = f"{results.srm_p_value:.3g}" if results.srm_p_value is not None else "-"
    lines.append(f"sample ratio check p = {srm}{'  <-- MISMATCH' if results.srm else ''}")
    lines.append(f"winner: {results.winner or 'none called'}")
    lines.extend(f"warning: {warning}" for warning in results.warnings)
    return "\n".join(lines)
