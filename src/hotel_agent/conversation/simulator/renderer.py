"""The simulator's renderer: the live texts, except a chosen draft version renders in place of its key's.

A draft applies when the conversation reads the draft's language (or a regional tag of it); elsewhere the
key's live text is rendered, as a guest would read it. A draft that fails with this conversation's values
is noted on the transcript and the live text is sent instead, as the live renderer falls back.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jinja2 import Template

from hotel_agent.conversation.simulator.options import CURRENT, note
from hotel_agent.message_templates import RenderedMessage, TemplateRenderer
from hotel_agent.message_templates.errors import TemplateRenderError
from hotel_agent.message_templates.languages import base_language, normalize_language
from hotel_agent.message_templates.schemas import TemplateEntry

_MAX_DRAFTS = 64


class DraftRenderer(TemplateRenderer):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Compiled drafts by version row id (a version's text never changes once saved).
        self._drafts: dict[int, Template] = {}

    def render(
        self,
        key: str,
        language: str,
        context: Mapping[str, Any] | None = None,
        *,
        conversation_id: str | None = None,
        variant: str | None = None,
    ) -> RenderedMessage:
        options = CURRENT.get()
        draft = options.draft if options is not None else None
        requested = normalize_language(language) or self.default_language
        if draft is None or draft.key != key or base_language(draft.language) != base_language(requested):
            return super().render(key, language, context, conversation_id=conversation_id, variant=variant)
        assert options is not None
        try:
            text = self._environment.render_entry(
                self._draft_template(draft),
                context,
                self.formatter(requested),
                key=key,
                language=draft.language,
            )
        except TemplateRenderError as exc:
            note(
                f"the draft of {key} failed with this conversation's values ({exc.detail}): "
                "the live text was sent"
            )
            return super().render(key, language, context, conversation_id=conversation_id, variant=variant)
        if draft.max_length is not None and len(text) > draft.max_length:
            note(f"the draft of {key} is {len(text)} characters, over its limit of {draft.max_length}")
            text = text[: draft.max_length - 1].rstrip() + "…"
        options.draft_shown = True
        return RenderedMessage(key=key, language=draft.language, text=text, variant=None)

    def _draft_template(self, draft: TemplateEntry) -> Template:
        slot = draft.version_id
        template = self._drafts.get(slot) if slot is not None else None
        if template is None:
            template = self._environment.compile_entry(draft.text, key=draft.key, language=draft.language)
            if len(self._drafts) >= _MAX_DRAFTS:
                self._drafts.clear()
            if slot is not None:
                self._drafts[slot] = template
        return template
