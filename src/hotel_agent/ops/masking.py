"""Keep secrets out of logs and mask guests' phone numbers and emails.

Applied as a structlog processor to every event, whatever the caller put in it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, MutableMapping
from typing import Any

SECRET_KEY_PATTERN = re.compile(
    r"(pass(word)?|secret|token|api[_-]?key|authorization|cookie|signature|credential)", re.IGNORECASE
)
EMAIL_PATTERN = re.compile(r"([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+\.[A-Za-z]{2,})")
# 9-15 digits with optional + and separators is phone-like; ISO dates and times are left alone.
PHONE_PATTERN = re.compile(r"(?<![\w.])(\+?\(?\d[\d\s().-]{7,}\d)(?![\w])")
DATE_LIKE = re.compile(r"\d{4}-\d{2}-\d{2}|\d{1,2}[/.]\d{1,2}[/.]\d{2,4}")
REDACTED = "[REDACTED]"


def mask_email(match: re.Match[str]) -> str:
    return f"{match.group(1)}***@{match.group(2)}"


def mask_phone(match: re.Match[str]) -> str:
    raw = match.group(1)
    digits = re.sub(r"\D", "", raw)
    if not 9 <= len(digits) <= 15 or DATE_LIKE.search(raw):
        return raw
    return ("+" if raw.startswith("+") else "") + "*" * (len(digits) - 4) + digits[-4:]


def mask_text(text: str) -> str:
    return PHONE_PATTERN.sub(mask_phone, EMAIL_PATTERN.sub(mask_email, text))


def mask_value(key: str | None, value: Any) -> Any:
    if key is not None and SECRET_KEY_PATTERN.search(key):
        return REDACTED
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, Mapping):
        return {k: mask_value(str(k), v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [mask_value(None, item) for item in value]
    if hasattr(value, "get_secret_value"):
        return REDACTED
    return value


def mask_event(_logger: Any, _method: str, event_dict: MutableMapping[str, Any]) -> dict[str, Any]:
    """structlog processor: redact secret-named keys, mask emails and phone numbers everywhere."""
    return {key: mask_value(key if key != "event" else None, value) for key, value in event_dict.items()}
