"""The three Grafana dashboards we ship, generated from typed definitions (deploy/grafana/dashboards).

`hotel-agent ops dashboards` writes the JSON files; `--check` fails when a committed file differs from
what the definitions produce (so an edit of the JSON by hand, or of a definition without regenerating,
is caught). Grafana reads them through deploy/grafana/provisioning.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from hotel_agent.ops.dashboards.application import APPLICATION
from hotel_agent.ops.dashboards.business import BUSINESS
from hotel_agent.ops.dashboards.model import Dashboard, to_json
from hotel_agent.ops.dashboards.pms import PMS

DASHBOARDS: tuple[Dashboard, ...] = (APPLICATION, PMS, BUSINESS)
DEFAULT_DIR = Path("deploy/grafana/dashboards")


def stale_files(directory: Path) -> list[str]:
    """The dashboard files in `directory` that are missing or differ from the definitions."""
    return [
        dashboard.file_name
        for dashboard in DASHBOARDS
        if not (directory / dashboard.file_name).is_file()
        or (directory / dashboard.file_name).read_text() != to_json(dashboard)
    ]


def write_dashboards(directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for dashboard in DASHBOARDS:
        path = directory / dashboard.file_name
        path.write_text(to_json(dashboard))
        written.append(path)
    return written


def dashboards_command(
    directory: Annotated[
        Path, typer.Option("--dir", help="Where the dashboard JSON files live.")
    ] = DEFAULT_DIR,
    check: Annotated[
        bool, typer.Option("--check", help="Only compare; exit 1 when a file is stale.")
    ] = False,
) -> None:
    """Write the Grafana dashboards from their definitions (or check the committed ones)."""
    if check:
        stale = stale_files(directory)
        if stale:
            typer.echo(
                f"stale dashboards in {directory}: {', '.join(stale)} (run `hotel-agent ops dashboards`)"
            )
            raise typer.Exit(1)
        typer.echo(f"{len(DASHBOARDS)} dashboards in {directory} are up to date")
        return
    for path in write_dashboards(directory):
        typer.echo(f"wrote {path}")
