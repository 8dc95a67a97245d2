"""Small builders for template tests: a service over inline texts, one-off renders, a log recorder."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hotel_agent.message_templates import InMemoryTemplateSource, TemplateEntry, TemplateService

FIXTURE_CATALOG = Path(__file__).parent / "fixtures" / "catalog"


def make_service(texts: dict[str, dict[str, str]], **options: Any) -> TemplateService:
    """A service over {language: {key: text}}."""
    source = InMemoryTemplateSource(
        TemplateEntry(key=key, language=language, text=text, category="test")
        for language, by_key in texts.items()
        for key, text in by_key.items()
    )
    return TemplateService(source, **options)


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
