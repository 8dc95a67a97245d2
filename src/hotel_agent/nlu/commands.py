"""`hotel-agent nlu …`: parse one message, evaluate on labelled files, build the model artifact."""

from __future__ import annotations

import json
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import structlog
import typer

from hotel_agent.nlu import evaluation
from hotel_agent.nlu.artifacts import DEFAULT_MODEL_DIR, NoTrainingData, load_or_train
from hotel_agent.nlu.dataset import DatasetError, load_examples, read_examples, split_files
from hotel_agent.nlu.service import DEFAULT_LANGUAGES, NluService

# The instant the data's dates are labelled against (docs/nlu-data.md), read in the hotel's zone.
REFERENCE_NOW = "2027-01-10T12:00:00"

nlu_app = typer.Typer(help="Language, intent and entities of guest messages.", no_args_is_help=True)

ModelDirOption = Annotated[
    Path, typer.Option("--model-dir", help="Where the trained model artifact is cached.")
]
TimezoneOption = Annotated[str, typer.Option("--timezone", help="The hotel's time zone.")]


def _parse_now(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError as exc:
        raise typer.BadParameter(f"not an ISO date-time: {value!r}", param_hint="--now") from exc


def _logs_to_stderr() -> None:
    """Keep stdout for the command's data: unconfigured structlog would print logs there."""
    if not structlog.is_configured():
        structlog.configure(logger_factory=lambda *_: structlog.PrintLogger(sys.stderr))


def _service(model_dir: Path, timezone: str) -> NluService:
    _logs_to_stderr()
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise typer.BadParameter(f"unknown time zone {timezone!r}", param_hint="--timezone") from exc
    try:
        return NluService.build(DEFAULT_LANGUAGES, timezone=timezone, model_dir=model_dir)
    except NoTrainingData as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc


@nlu_app.command("parse")
def parse_command(
    text: Annotated[str, typer.Argument(help="The guest message.")],
    now: Annotated[
        str | None,
        typer.Option(help="Reference time (ISO); naive values are in the hotel's time zone."),
    ] = None,
    lang: Annotated[str | None, typer.Option(help="Skip detection: en, es or pt.")] = None,
    previous: Annotated[str | None, typer.Option(help="The conversation's language so far.")] = None,
    model_dir: ModelDirOption = DEFAULT_MODEL_DIR,
    timezone: TimezoneOption = "Europe/Lisbon",
) -> None:
    """Print {"language","intent","confidence","entities"} for one message as JSON."""
    if lang is not None and lang not in DEFAULT_LANGUAGES:
        raise typer.BadParameter(f"one of {', '.join(DEFAULT_LANGUAGES)}", param_hint="--lang")
    reference = _parse_now(now)
    service = _service(model_dir, timezone)
    result = service.parse(text, now=reference, lang=lang, previous_language=previous)
    typer.echo(json.dumps(result.as_json(), ensure_ascii=False))


@nlu_app.command("eval")
def eval_command(
    files: Annotated[
        list[Path] | None,
        typer.Argument(help="Labelled JSONL files (default: the dev set).", exists=True),
    ] = None,
    now: Annotated[str, typer.Option(help="Reference time the labels assume.")] = REFERENCE_NOW,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    model_dir: ModelDirOption = DEFAULT_MODEL_DIR,
    timezone: TimezoneOption = "Europe/Lisbon",
) -> None:
    """Accuracy and macro-F1 per language and intent, confusions, entity exact-match."""
    paths = files or split_files("dev", DEFAULT_LANGUAGES)
    try:
        examples = (
            [example for path in paths for example in read_examples(path)] if files else load_examples(paths)
        )
    except DatasetError as exc:
        raise typer.BadParameter(str(exc)) from exc
    if not examples:
        typer.echo("error: no labelled examples to evaluate", err=True)
        raise typer.Exit(2)
    reference = _parse_now(now) or datetime.now()
    service = _service(model_dir, timezone)
    report = evaluation.score(evaluation.run(service, examples, reference))
    if as_json:
        typer.echo(json.dumps(report.as_json(), ensure_ascii=False, indent=2))
    else:
        typer.echo(evaluation.format_report(report))


@nlu_app.command("train")
def train_command(
    model_dir: ModelDirOption = DEFAULT_MODEL_DIR,
    force: Annotated[bool, typer.Option("--force", help="Rebuild even if the artifact is cached.")] = False,
) -> None:
    """Build the model artifact from the training files (reused when already cached)."""
    _logs_to_stderr()
    started = time.perf_counter()
    try:
        models, path, trained = load_or_train(model_dir, retrain=force)
    except NoTrainingData as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    action = "trained" if trained else "already cached"
    elapsed = time.perf_counter() - started
    typer.echo(f"{action}: {path} ({models.training_examples} examples, {elapsed:.1f} s)")


if __name__ == "__main__":
    nlu_app()
