"""Guest-facing text: templates by key and language, rendered in a sandbox with CLDR formatting.

    service = TemplateRenderer(YamlTemplateSource())
    service.warm_up()                                   # at start-up: compile, load locales
    service.render("availability.success", "pt-BR", {...}).text

Sources are pluggable (`TemplateSource`): the app renders from the database's active versions
(`db_source.DatabaseTemplateSource`, kept current on every replica by `sync.py`; versions managed by
`versioning.py` and the admin API in `endpoints.py`); the YAML catalog (`YamlTemplateSource`) is what
installs and upgrades import (`importer.py`) and serves tests and development on its own.
See docs/templates-versioning.md.
"""

from hotel_agent.message_templates.errors import (
    TemplateCatalogError,
    TemplateError,
    TemplateNotFoundError,
    TemplateRenderError,
)
from hotel_agent.message_templates.formatting import LocaleFormatter
from hotel_agent.message_templates.renderer import TemplateRenderer
from hotel_agent.message_templates.sandbox import RenderLimits
from hotel_agent.message_templates.schemas import RenderedMessage, RenderEvent, TemplateEntry
from hotel_agent.message_templates.source import InMemoryTemplateSource, TemplateSource, YamlTemplateSource
from hotel_agent.message_templates.validation import (
    ValidationProblem,
    ValidationReport,
    validate_catalog,
    validate_entry,
)

__all__ = [
    "InMemoryTemplateSource",
    "LocaleFormatter",
    "RenderEvent",
    "RenderLimits",
    "RenderedMessage",
    "TemplateCatalogError",
    "TemplateEntry",
    "TemplateError",
    "TemplateNotFoundError",
    "TemplateRenderError",
    "TemplateRenderer",
    "TemplateSource",
    "ValidationProblem",
    "ValidationReport",
    "YamlTemplateSource",
    "validate_catalog",
    "validate_entry",
]
