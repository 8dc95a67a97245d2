"""Turning form fields into the values the services take, and back: preview contexts, WhatsApp limits.

A preview context is edited one field per sample variable (dates as dates, numbers as numbers, text as
text); nested values (lists of offers, ...) as JSON. Parsing never raises: problems come back per field.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson
from starlette.datastructures import FormData

from hotel_agent.channels.whatsapp.outbound import MAX_INTERACTIVE_BODY, MAX_TEXT
from hotel_agent.conversation.replies import MAX_BUTTON_TITLE, MAX_ROW_TITLE
from hotel_agent.message_templates.samples import revive

CONTEXT_PREFIX = "ctx."


@dataclass(frozen=True, slots=True)
class ContextField:
    name: str
    # text | number | date | json | bool
    kind: str
    value: str

    @property
    def input_name(self) -> str:
        return CONTEXT_PREFIX + self.name


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return "date"
    if isinstance(value, str):
        return "text"
    return "json"


def _shown(value: Any, kind: str) -> str:
    if kind == "bool":
        return "true" if value else "false"
    if kind in {"number", "text"}:
        return str(value)
    if kind == "date":
        return str(value.isoformat())
    return orjson.dumps(value, default=str, option=orjson.OPT_INDENT_2).decode()


def context_fields(sample: Mapping[str, Any] | None, form: FormData | None = None) -> list[ContextField]:
    """One field per sample variable, showing the form's value when the operator edited it."""
    fields = []
    for name, value in revive(dict(sample or {})).items():
        kind = _kind(value)
        given = form.get(CONTEXT_PREFIX + name) if form is not None else None
        fields.append(ContextField(name, kind, given if isinstance(given, str) else _shown(value, kind)))
    return fields


def parse_context(fields: list[ContextField]) -> tuple[dict[str, Any], list[str]]:
    """The context the fields describe, and a message for each field that does not parse."""
    context: dict[str, Any] = {}
    problems: list[str] = []
    for field in fields:
        raw = field.value.strip()
        try:
            if field.kind == "number":
                context[field.name] = float(raw) if any(c in raw for c in ".eE") else int(raw)
            elif field.kind == "date":
                context[field.name] = dt.date.fromisoformat(raw)
            elif field.kind == "bool":
                context[field.name] = raw.lower() in {"true", "1", "yes", "on"}
            elif field.kind == "json":
                context[field.name] = revive(orjson.loads(raw))
            else:
                context[field.name] = field.value
        except (ValueError, orjson.JSONDecodeError) as exc:
            problems.append(f"{field.name}: {field.kind} expected ({exc})")
    return context, problems


def parse_json_object(raw: str, what: str) -> tuple[dict[str, Any] | None, str | None]:
    """An optional JSON object typed into a textarea: (value, problem)."""
    if not raw.strip():
        return None, None
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        return None, f"{what} is not valid JSON: {exc}"
    if not isinstance(value, dict):
        return None, f"{what} must be a JSON object ({{...}})"
    return value, None


@dataclass(frozen=True, slots=True)
class LimitCheck:
    label: str
    limit: int
    length: int

    @property
    def fits(self) -> bool:
        return self.length <= self.limit


def whatsapp_limits(text: str, max_length: int | None) -> list[LimitCheck]:
    """What a guest's WhatsApp accepts for this text: as a message, as the body of buttons or a list,
    and as a button or list title when the template is one (its `max_length`)."""
    length = len(text)
    checks = [
        LimitCheck("text message", MAX_TEXT, length),
        LimitCheck("body of a message with buttons or a list", MAX_INTERACTIVE_BODY, length),
    ]
    if max_length is not None:
        if max_length <= MAX_BUTTON_TITLE:
            label = f"button title (WhatsApp: {MAX_BUTTON_TITLE})"
        elif max_length <= MAX_ROW_TITLE:
            label = f"list row title (WhatsApp: {MAX_ROW_TITLE})"
        else:
            label = "this template's limit"
        checks.append(LimitCheck(label, max_length, length))
    return checks
