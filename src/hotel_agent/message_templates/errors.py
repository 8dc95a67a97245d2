"""Template errors, raised by the rendering service and rendered by the app's one error handler.

TemplateError
├── TemplateNotFoundError    404  no template for this key in any language of the fallback chain
├── TemplateRenderError      422  the template exists but cannot produce a message (undefined
│                                 variable, sandbox violation, output too long, syntax error)
└── TemplateCatalogError     500  the catalog itself is broken (bad YAML, duplicate key); a
                                  deployment problem, found at load or warm-up time
"""

from __future__ import annotations

from hotel_agent.errors import HotelAgentError, NotFoundError, UnprocessableError


class TemplateError(HotelAgentError):
    """Anything that went wrong turning a template key into guest text."""


class TemplateNotFoundError(TemplateError, NotFoundError):
    status_code = 404

    def __init__(self, key: str, languages: tuple[str, ...] = ()) -> None:
        tried = f" (tried {', '.join(languages)})" if languages else ""
        super().__init__(f"no template {key!r}{tried}", key=key)
        self.key = key
        self.languages = languages


class TemplateRenderError(TemplateError, UnprocessableError):
    """`reason` says what is wrong in the operator's terms; `line` is the template line when known."""

    status_code = 422

    def __init__(self, key: str, language: str, reason: str, *, line: int | None = None) -> None:
        where = f" line {line}" if line is not None else ""
        super().__init__(
            f"template {key!r} ({language}){where}: {reason}", key=key, language=language, line=line
        )
        self.key = key
        self.language = language
        self.reason = reason
        self.line = line


class TemplateCatalogError(TemplateError):
    status_code = 500
