"""Template errors, raised by the rendering service and rendered by the app's one error handler.

TemplateError
├── TemplateNotFoundError    404  no template for this key in any language of the fallback chain
├── TemplateRenderError      422  the template exists but cannot produce a message (undefined
│                                 variable, sandbox violation, output too long, syntax error)
├── TemplateCatalogError     500  the catalog itself is broken (bad YAML, duplicate key); a
│                                 deployment problem, found at load or warm-up time
│   Managing versions (admin API, import):
├── NoSuchTemplateError      404  no template with this id
├── NoSuchVersionError       404  the template has no such version
├── TemplateExistsError      409  the key already has a template in that language
├── RollbackRefusedError     409  the target was never live, or is live already
└── TemplateInvalidError     422  an operator's text fails validation; `problems` lists each issue
                                  with its kind and line
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from hotel_agent.errors import ConflictError, HotelAgentError, NotFoundError, UnprocessableError

if TYPE_CHECKING:
    from hotel_agent.message_templates.validation import ValidationProblem


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


class NoSuchTemplateError(TemplateError, NotFoundError):
    status_code = 404

    def __init__(self, template_id: int) -> None:
        super().__init__(f"no template with id {template_id}", template_id=template_id)


class NoSuchVersionError(TemplateError, NotFoundError):
    status_code = 404

    def __init__(self, key: str, language: str, version: int | None, known: Sequence[int] = ()) -> None:
        listed = f"; it has {', '.join(map(str, sorted(known)))}" if known else ""
        which = f"version {version}" if version is not None else "live version"
        super().__init__(f"template {key!r} ({language}) has no {which}{listed}", version=version)


class TemplateExistsError(TemplateError, ConflictError):
    status_code = 409

    def __init__(self, key: str, language: str, template_id: int) -> None:
        super().__init__(
            f"template {key!r} already exists in {language!r} (id {template_id}); "
            f"add a version with PUT /admin/templates/{template_id}/versions",
            template_id=template_id,
        )


class RollbackRefusedError(TemplateError, ConflictError):
    status_code = 409


class TemplateInvalidError(TemplateError, UnprocessableError):
    """The text cannot go live. `problems` carries every issue as {kind, message, line}."""

    status_code = 422

    def __init__(self, key: str, language: str, problems: Sequence[ValidationProblem]) -> None:
        described = "; ".join(
            f"line {problem.line}: {problem.message}" if problem.line is not None else problem.message
            for problem in problems
        )
        super().__init__(
            f"template {key!r} ({language}) is not valid: {described}",
            problems=[
                {"kind": problem.kind, "message": problem.message, "line": problem.line}
                for problem in problems
            ],
        )
        self.problems = tuple(problems)
