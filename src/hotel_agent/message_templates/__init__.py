"""Guest-facing text: templates by key and language, rendered in a sandbox with CLDR formatting.

    service = TemplateService(YamlTemplateSource())
    service.warm_up()                                   # at start-up: compile, load locales
    service.render("availability.success", "pt-BR", {...}).text

Sources are pluggable (`TemplateSource`): the YAML catalog now, database versions later.
"""

from hotel_agent.message_templates.errors import (
    TemplateCatalogError,
    TemplateError,
    TemplateNotFoundError,
    TemplateRenderError,
)
from hotel_agent.message_templates.formatting import LocaleFormatter
from hotel_agent.message_templates.sandbox import RenderLimits
from hotel_agent.message_templates.schemas import RenderedMessage, RenderEvent, TemplateEntry
from hotel_agent.message_templates.service import TemplateService
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
    "TemplateService",
    "TemplateSource",
    "ValidationProblem",
    "ValidationReport",
    "YamlTemplateSource",
    "validate_catalog",
    "validate_entry",
]
