"""Payloads of the template admin API (pydantic); the rendering shapes live in `schemas.py`."""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from hotel_agent.message_templates.languages import normalize_language

KEY_PATTERN = r"^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$"
VARIANT_PATTERN = r"^[a-z][a-z0-9_]{0,31}$"
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
MAX_CONTENT_LENGTH = 20_000


CATEGORY_PATTERN = r"^[a-z][a-z0-9_]{0,31}$"
# What the catalog's files are named after; a new flow brings a new one (a new YAML file).
KNOWN_CATEGORIES = (
    "greeting",
    "availability",
    "booking",
    "bookings",
    "confirmation",
    "cancellation",
    "error",
    "fallback",
    "info",
    "handoff",
    "buttons",
)


class VersionStatus(StrEnum):
    DRAFT = "draft"
    ACTIVE = "active"
    ARCHIVED = "archived"


def _language(value: str) -> str:
    tag = normalize_language(value)
    if tag is None:
        raise ValueError(f"{value!r} is not a language tag (language or language-REGION, e.g. pt-BR)")
    return tag


class TemplateCreate(BaseModel):
    key: str = Field(max_length=100, pattern=KEY_PATTERN, examples=["availability.success"])
    language: str = Field(max_length=16, examples=["es"])
    category: str = Field(pattern=CATEGORY_PATTERN, examples=list(KNOWN_CATEGORIES))
    content: str = Field(min_length=1, max_length=MAX_CONTENT_LENGTH)
    variables: list[str] | None = Field(
        default=None, description="Names the text may use; omitted: those of the key in another language."
    )
    sample: dict[str, Any] | None = Field(
        default=None, description="A context to validate and preview with; omitted: the key's other sample."
    )
    max_length: int | None = Field(default=None, ge=1, le=4096, description="WhatsApp title limit, if any.")
    metadata: dict[str, Any] = Field(default_factory=dict)
    status: Literal["draft", "active"] = "active"
    note: str | None = Field(default=None, max_length=1000)

    _normalize_language = field_validator("language")(_language)

    @field_validator("variables")
    @classmethod
    def _identifiers(cls, names: list[str] | None) -> list[str] | None:
        bad = [name for name in names or [] if not _IDENTIFIER.fullmatch(name)]
        if bad:
            raise ValueError(f"not variable names: {', '.join(map(repr, bad))}")
        return names


class VersionCreate(BaseModel):
    content: str = Field(min_length=1, max_length=MAX_CONTENT_LENGTH)
    note: str | None = Field(default=None, max_length=1000, description="Why this change.")
    status: Literal["draft", "active"] = Field(default="draft", description="active: live at once.")
    variant: str | None = Field(default=None, pattern=VARIANT_PATTERN, description="null: the default text.")


class PreviewRequest(BaseModel):
    version: int | None = Field(
        default=None, ge=1, le=2**31 - 1, description="A stored version; default the active one."
    )
    content: str | None = Field(
        default=None, min_length=1, max_length=MAX_CONTENT_LENGTH, description="Unsaved text."
    )
    language: str | None = Field(default=None, max_length=16, description="Format for this language.")
    context: dict[str, Any] | None = Field(default=None, description="Variables; default the sample.")

    @field_validator("language")
    @classmethod
    def _normalize_language(cls, value: str | None) -> str | None:
        return None if value is None else _language(value)


class VersionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    version: int
    status: VersionStatus
    variant: str | None
    content: str
    created_at: datetime
    created_by: str
    note: str | None
    activated_at: datetime | None


class TemplateSummary(BaseModel):
    id: int
    key: str
    language: str
    category: str
    active_version: int | None
    content: str | None = Field(description="The live text (default variant).")
    updated_at: datetime
    missing_languages: list[str] = Field(description="Languages in which this key has no template.")


class TemplateList(BaseModel):
    items: list[TemplateSummary]
    count: int


class TemplateDetail(BaseModel):
    id: int
    key: str
    language: str
    category: str
    variables: list[str]
    sample: dict[str, Any] | None
    max_length: int | None
    metadata: dict[str, Any]
    created_at: datetime
    updated_at: datetime
    active: VersionOut | None
    versions: list[VersionOut]
    translations: dict[str, int] = Field(description="language -> template id, for this key.")
    missing_languages: list[str]


class AuditEventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    action: str
    version: int | None
    actor: str
    created_at: datetime
    details: dict[str, Any]


class HistoryEntry(VersionOut):
    uses: int = 0
    conversions: int = 0


class TemplateHistory(BaseModel):
    template_id: int
    key: str
    language: str
    versions: list[HistoryEntry]
    events: list[AuditEventOut]


class WordChangeOut(BaseModel):
    op: Literal["equal", "delete", "insert"]
    text: str


class SideBySideRowOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    op: Literal["equal", "delete", "insert", "replace"]
    old: str | None
    new: str | None
    old_number: int | None
    new_number: int | None


class VersionDiff(BaseModel):
    a: int
    b: int
    identical: bool
    unified: str
    word_diff: str = Field(description="[-removed-]{+added+}")
    words: list[WordChangeOut]
    side_by_side: list[SideBySideRowOut] = Field(
        default_factory=list, description="Both texts line by line, changed lines facing each other."
    )


class ProblemOut(BaseModel):
    kind: str
    message: str
    line: int | None


class PreviewOut(BaseModel):
    text: str
    language: str
    version: int | None = Field(description="The stored version rendered; null for unsaved content.")
    length: int
    max_length: int | None
    context: Literal["sample", "given"]
    problems: list[ProblemOut] = Field(description="Issues that would block saving, e.g. over max_length.")
