"""Small builders for template tests: a service over inline texts, one-off renders, a log recorder."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import yaml

from hotel_agent.message_templates import InMemoryTemplateSource, TemplateEntry, TemplateRenderer
from hotel_agent.message_templates.api_schemas import (
    TemplateCreate,
    TemplateDetail,
    VersionCreate,
    VersionOut,
)
from hotel_agent.message_templates.versioning import TemplateVersionService

FIXTURE_CATALOG = Path(__file__).parents[1] / "message_templates" / "fixtures" / "catalog"


def make_service(texts: dict[str, dict[str, str]], **options: Any) -> TemplateRenderer:
    """A service over {language: {key: text}}."""
    source = InMemoryTemplateSource(
        TemplateEntry(key=key, language=language, text=text, category="test")
        for language, by_key in texts.items()
        for key, text in by_key.items()
    )
    return TemplateRenderer(source, **options)


def render_one(text: str, language: str = "en", **context: Any) -> str:
    """Render a one-off template text in `language`."""
    return make_service({language: {"t": text}}).render("t", language, context).text


class LogRecorder:
    """Stands in for a module's structlog logger and records (event, fields)."""

    def __init__(self) -> None:
        self.events: list[tuple[str, dict[str, Any]]] = []

    def _record(self, event: str, **fields: Any) -> None:
        self.events.append((event, fields))

    info = warning = error = exception = _record

    def named(self, event: str) -> list[dict[str, Any]]:
        return [fields for name, fields in self.events if name == event]


def unique_key(prefix: str = "test") -> str:
    """A template key no other test (or the shipped catalog) uses."""
    return f"{prefix}.k{uuid.uuid4().hex[:12]}"


def write_catalog(root: Path, files: dict[str, dict[str, Any]]) -> Path:
    """A catalog directory from {"en/greeting.yaml": {key: entry}}; returns `root`."""
    for relative, documents in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump(documents, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return root


async def make_template(
    service: TemplateVersionService,
    *,
    key: str | None = None,
    language: str = "en",
    content: str = "Hello {{ name }}!",
    variables: list[str] | None = None,
    sample: dict[str, Any] | None = None,
    category: str = "greeting",
    max_length: int | None = None,
    status: str = "active",
    actor: str = "tester",
) -> TemplateDetail:
    """A template through the service (validated and audited, as the API makes them)."""
    return await service.create_template(
        TemplateCreate.model_validate(
            {
                "key": key or unique_key(),
                "language": language,
                "category": category,
                "content": content,
                "variables": ["name"] if variables is None else variables,
                "sample": {"name": "Ana"} if sample is None else sample,
                "max_length": max_length,
                "status": status,
            }
        ),
        actor,
    )


async def add_version(
    service: TemplateVersionService,
    template_id: int,
    content: str,
    *,
    status: str = "draft",
    actor: str = "tester",
) -> VersionOut:
    return await service.create_version(
        template_id, VersionCreate.model_validate({"content": content, "status": status}), actor
    )
