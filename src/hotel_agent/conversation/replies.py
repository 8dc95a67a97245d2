"""Every guest-facing sentence goes through here, rendered from a template with the conversation id."""

from __future__ import annotations

from typing import Any

from hotel_agent.conversation.schemas import Reply, ReplyKind, ReplyOption
from hotel_agent.experiments.runtime import TurnExperiments, control_or
from hotel_agent.message_templates import RenderedMessage, TemplateRenderer

# WhatsApp's limits for interactive choices (the channel imports them; other channels fit inside them).
MAX_BUTTONS = 3
MAX_BUTTON_TITLE = 20
MAX_LIST_ROWS = 10
MAX_ROW_TITLE = 24
MAX_ROW_DESCRIPTION = 72


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


class ReplyBuilder:
    """Collects the replies of one turn, in the conversation's language."""

    def __init__(
        self,
        templates: TemplateRenderer,
        conversation_id: str,
        language: str,
        experiments: TurnExperiments | None = None,
    ) -> None:
        self._templates = templates
        self._conversation_id = conversation_id
        self.language = language
        self.replies: list[Reply] = []
        # The guest's A/B assignments this turn: a key under test renders the assigned variant's text.
        self._experiments = experiments

    def _render(self, key: str, context: dict[str, Any]) -> RenderedMessage:
        experiments = self._experiments
        assignment = experiments.variant_for(key) if experiments is not None else None
        if assignment is None:
            return self._templates.render(key, self.language, context, conversation_id=self._conversation_id)
        variant = control_or(assignment.variant)
        rendered = self._templates.render(
            key, self.language, context, conversation_id=self._conversation_id, variant=variant
        )
        assert experiments is not None
        experiments.exposed(
            assignment, self.language, fell_back=variant is not None and rendered.variant is None
        )
        return rendered

    def render(self, key: str, **context: Any) -> str:
        return self._render(key, context).text

    def say(self, key: str, **context: Any) -> Reply:
        rendered = self._render(key, context)
        reply = Reply(key=key, language=rendered.language, text=rendered.text)
        self.replies.append(reply)
        return reply

    def ask_yes_no(self, key: str, **context: Any) -> Reply:
        reply = self.say(key, **context)
        reply.kind = ReplyKind.BUTTONS
        reply.options = [
            ReplyOption(id="yes", title=_clip(self.render("buttons.yes"), MAX_BUTTON_TITLE)),
            ReplyOption(id="no", title=_clip(self.render("buttons.no"), MAX_BUTTON_TITLE)),
        ]
        return reply

    def offer_choices(self, key: str, options: list[ReplyOption], button_key: str, **context: Any) -> Reply:
        """Options as buttons when they fit WhatsApp's limits, else as a list (text fallback is the body)."""
        reply = self.say(key, **context)
        if not options:
            return reply
        if len(options) <= MAX_BUTTONS and all(len(o.title) <= MAX_BUTTON_TITLE for o in options):
            reply.kind = ReplyKind.BUTTONS
            reply.options = [o.model_copy(update={"description": None}) for o in options]
        else:
            reply.kind = ReplyKind.LIST
            reply.list_button = _clip(self.render(button_key), MAX_BUTTON_TITLE)
            reply.options = [
                ReplyOption(
                    id=o.id,
                    title=_clip(o.title, MAX_ROW_TITLE),
                    description=_clip(o.description, MAX_ROW_DESCRIPTION) if o.description else None,
                )
                for o in options[:MAX_LIST_ROWS]
            ]
        return reply
