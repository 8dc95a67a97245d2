"""The shapes the template package hands around: entries from a source, messages and render events out."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class TemplateEntry:
    """One template text in one language, as a source stores it.

    `sample` is a context the text can be rendered with (validation, previews); YAML files carry it in
    the English file only. `max_length` is a WhatsApp limit for the rendered text (button titles ≤ 20,
    list row titles ≤ 24). `variant` and `version` are set by sources that keep several texts per key
    (A/B variants, database revisions); the YAML source leaves them empty. `version_id` is the database
    row of the version, what usage statistics point at.
    """

    key: str
    language: str
    text: str
    category: str
    variables: tuple[str, ...] = ()
    sample: Mapping[str, Any] | None = None
    max_length: int | None = None
    variant: str | None = None
    version: int | None = None
    version_id: int | None = None


@dataclass(frozen=True, slots=True)
class RenderedMessage:
    """Guest text ready to send. `language` is the language of the template actually used."""

    key: str
    language: str
    text: str
    variant: str | None = None


@dataclass(frozen=True, slots=True)
class RenderEvent:
    """What `TemplateRenderer(on_render=...)` receives after each successful render (usage stats, A/B).

    `fallback` is true when the requested language had no translation and another language was used;
    `recovered` when the current version failed and an earlier good one was rendered instead.
    `render_seconds` is the time the render took.
    """

    key: str
    requested_language: str
    language: str
    variant: str | None
    version: int | None
    conversation_id: str | None
    fallback: bool
    version_id: int | None = None
    render_seconds: float = 0.0
    recovered: bool = False
