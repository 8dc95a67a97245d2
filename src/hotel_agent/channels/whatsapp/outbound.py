"""The conversation's replies as Graph API message bodies.

Choices go out as interactive messages when they fit WhatsApp's limits (reply buttons: at most 3, titles of
at most 20 characters; lists: at most 10 rows, titles of 24, descriptions of 72, a button label of 20;
bodies of 1024 characters). Anything else goes out as the reply's text, which the templates write to stand
on its own (numbered options, "reply yes or no"), so the text fallback loses nothing but the tap.
"""

from __future__ import annotations

import re
from typing import Any

from hotel_agent.config import WhatsAppTemplateRef

# The choice limits are WhatsApp's; the conversation shapes its choices for them (one definition).
from hotel_agent.conversation.replies import (
    MAX_BUTTON_TITLE,
    MAX_BUTTONS,
    MAX_LIST_ROWS,
    MAX_ROW_DESCRIPTION,
    MAX_ROW_TITLE,
)
from hotel_agent.conversation.schemas import Reply, ReplyKind

MAX_TEXT = 4096
MAX_INTERACTIVE_BODY = 1024
MAX_OPTION_ID = 256
MAX_TEMPLATE_PARAMETER = 1024
_WHITESPACE_RUN = re.compile(r"\s+")


def _envelope(to: str, callback_data: str | None) -> dict[str, Any]:
    body: dict[str, Any] = {"messaging_product": "whatsapp", "recipient_type": "individual", "to": to}
    if callback_data:
        # Echoed on every status webhook of this message: how a send whose answer was lost is found.
        body["biz_opaque_callback_data"] = callback_data
    return body


def _buttons_fit(reply: Reply) -> bool:
    return (
        0 < len(reply.options) <= MAX_BUTTONS
        and len(reply.text) <= MAX_INTERACTIVE_BODY
        and all(0 < len(o.title) <= MAX_BUTTON_TITLE and len(o.id) <= MAX_OPTION_ID for o in reply.options)
    )


def _list_fits(reply: Reply) -> bool:
    return (
        0 < len(reply.options) <= MAX_LIST_ROWS
        and len(reply.text) <= MAX_INTERACTIVE_BODY
        and 0 < len(reply.list_button or "") <= MAX_BUTTON_TITLE
        and all(
            0 < len(o.title) <= MAX_ROW_TITLE
            and len(o.description or "") <= MAX_ROW_DESCRIPTION
            and len(o.id) <= MAX_OPTION_ID
            for o in reply.options
        )
    )


def free_form_body(to: str, reply: Reply, callback_data: str | None = None) -> tuple[str, dict[str, Any]]:
    """(kind, body) of a service message: interactive when the choices fit, text otherwise."""
    body = _envelope(to, callback_data)
    if reply.kind is ReplyKind.BUTTONS and _buttons_fit(reply):
        body["type"] = "interactive"
        body["interactive"] = {
            "type": "button",
            "body": {"text": reply.text},
            "action": {
                "buttons": [
                    {"type": "reply", "reply": {"id": option.id, "title": option.title}}
                    for option in reply.options
                ]
            },
        }
        return "interactive", body
    if reply.kind is ReplyKind.LIST and _list_fits(reply):
        rows = []
        for option in reply.options:
            row = {"id": option.id, "title": option.title}
            if option.description:
                row["description"] = option.description
            rows.append(row)
        body["type"] = "interactive"
        body["interactive"] = {
            "type": "list",
            "body": {"text": reply.text},
            "action": {"button": reply.list_button, "sections": [{"rows": rows}]},
        }
        return "interactive", body
    body["type"] = "text"
    body["text"] = {"preview_url": False, "body": reply.text[:MAX_TEXT]}
    return "text", body


def template_parameter(text: str) -> str:
    """Template parameters may not hold newlines, tabs or runs of spaces (Graph API error 132018)."""
    return _WHITESPACE_RUN.sub(" ", text).strip()[:MAX_TEMPLATE_PARAMETER]


def template_for(
    templates: dict[str, WhatsAppTemplateRef], reply: Reply
) -> tuple[str, WhatsAppTemplateRef] | None:
    """The approved template configured for this reply key (or "*"), with its code for the language."""
    for key in (reply.key, "*"):
        ref = templates.get(key)
        if ref is None:
            continue
        code = ref.languages.get(reply.language) or ref.languages.get(reply.language.split("-")[0])
        if code:
            return code, ref
    return None


def template_body(
    to: str, reply: Reply, ref: WhatsAppTemplateRef, language_code: str, callback_data: str | None = None
) -> dict[str, Any]:
    body = _envelope(to, callback_data)
    template: dict[str, Any] = {"name": ref.name, "language": {"code": language_code}}
    if ref.body_parameters:
        values = {"text": template_parameter(reply.text)}
        template["components"] = [
            {
                "type": "body",
                "parameters": [{"type": "text", "text": values[name]} for name in ref.body_parameters],
            }
        ]
    body["type"] = "template"
    body["template"] = template
    return body
