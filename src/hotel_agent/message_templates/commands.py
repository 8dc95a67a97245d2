"""`hotel-agent templates ...`: the YAML catalog in and out of the database, and its documentation.

- `import`: load the catalog (the shipped one, or `--catalog DIR`) without overwriting operators'
  edits; prints what changed and every conflict, and tells running replicas (exit 1 on a broken
  catalog, which imports nothing);
- `export --output DIR`: the live texts as a catalog directory;
- `docs`: regenerate `docs/templates.md` (`--check`: exit 1 when it is out of date).
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer

from hotel_agent.config import get_settings
from hotel_agent.db import standalone_session
from hotel_agent.message_templates.catalog_docs import catalog_usage, render_document
from hotel_agent.message_templates.errors import TemplateCatalogError
from hotel_agent.message_templates.importer import ImportReport, export_catalog, import_catalog
from hotel_agent.message_templates.source import YamlTemplateSource
from hotel_agent.message_templates.sync import publish_change
from hotel_agent.migrations import PROJECT_ROOT
from hotel_agent.resources import build_state_backend

templates_app = typer.Typer(help="Reply templates: import, export, document.", no_args_is_help=True)

DEFAULT_DOC = PROJECT_ROOT / "docs" / "templates.md"


@templates_app.command("import")
def import_command(
    catalog: Annotated[
        Path | None, typer.Option(help="Catalog directory (<language>/<category>.yaml); default: shipped.")
    ] = None,
    dry_run: Annotated[bool, typer.Option(help="Report what would change, write nothing.")] = False,
) -> None:
    """Import the YAML catalog; operators' edits are never overwritten (conflicts are reported)."""
    try:
        source = YamlTemplateSource(catalog)
        report = asyncio.run(_import(source, dry_run=dry_run))
    except TemplateCatalogError as exc:
        typer.echo(f"error: {exc.detail}", err=True)
        raise typer.Exit(1) from None
    prefix = "dry run, nothing written: " if dry_run else ""
    typer.echo(prefix + report.summary())
    for label in report.created:
        typer.echo(f"  created  {label}")
    for label in report.updated:
        typer.echo(f"  updated  {label}")
    for conflict in report.conflicts:
        typer.echo(
            f"  conflict {conflict.key} ({conflict.language}): the live version {conflict.active_version} "
            f"was changed by an operator; the catalog's text is draft version {conflict.catalog_version}"
        )


async def _import(source: YamlTemplateSource, *, dry_run: bool) -> ImportReport:
    settings = get_settings()
    async with standalone_session(settings, write=True, commit=not dry_run) as session:
        report = await import_catalog(session, source)
    if dry_run:
        return report
    if report.changed_template_ids:
        state = build_state_backend(settings)
        try:
            await publish_change(state, report.changed_template_ids)
        finally:
            await state.close()
    return report


@templates_app.command("export")
def export_command(
    output: Annotated[Path, typer.Option(help="Directory to write <language>/<category>.yaml into.")],
) -> None:
    """Write the live texts back to YAML (a catalog `import --catalog` and the YAML source accept)."""

    async def run() -> tuple[int, int]:
        async with standalone_session(get_settings()) as session:
            report = await export_catalog(session, output)
            return report.templates, len(report.files)

    templates, files = asyncio.run(run())
    typer.echo(f"exported {templates} templates into {files} files under {output}")


@templates_app.command("docs")
def docs_command(
    output: Annotated[Path, typer.Option(help="Where to write the document.")] = DEFAULT_DOC,
    check: Annotated[bool, typer.Option(help="Only check that the document is up to date.")] = False,
) -> None:
    """Generate docs/templates.md: every key, its category, variables, languages and flows."""
    source = YamlTemplateSource()
    document = render_document(source, catalog_usage(source))
    current = output.read_text(encoding="utf-8") if output.exists() else None
    if check:
        if current != document:
            typer.echo(f"{output} is out of date: run `hotel-agent templates docs`", err=True)
            raise typer.Exit(1)
        typer.echo(f"{output} is up to date")
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(document, encoding="utf-8")
    typer.echo(f"wrote {output}")
