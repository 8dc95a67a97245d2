"""Reading a webhook delivery item by item, so that one malformed item cannot lose the others.

A delivery Meta signed is acknowledged whatever is inside: a non-2xx makes Meta retry the same bytes for
days, and each retry would fail the same way while its valid messages wait. So a delivery that does not
validate as a whole is read again piece by piece: each entry, change, message and status that validates is
kept, each one that does not becomes a `Rejection` (stored with its reason and counted, for an operator).

`storable` makes a value fit both databases before the write: no NUL characters (PostgreSQL text and
jsonb refuse them), no integer outside 64 bits (the JSON encoders refuse them), no NaN or infinity
(jsonb refuses them).
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from typing import Any

from pydantic import Field, ValidationError

from hotel_agent.channels.whatsapp.schemas import Message, Metadata, Status, WebhookPayload, _Payload

MAX_REASON = 1000
INT64 = 2**63


@dataclass
class ReadChange:
    """One change of a delivery: its field, its business number and the items that validated."""

    field_name: str
    phone_number_id: str | None
    messages: list[Message] = field(default_factory=list)
    statuses: list[Status] = field(default_factory=list)


@dataclass(frozen=True)
class Rejection:
    """An item that could not be read: what it was, where it sat, why, and the item as it arrived."""

    kind: str  # delivery, entry, change, message, status
    location: str
    reason: str
    raw: Any
    phone_number_id: str | None = None

    @property
    def digest(self) -> str:
        canonical = json.dumps(self.raw, sort_keys=True, default=str, ensure_ascii=False)
        return hashlib.sha256(f"{self.kind}\n{canonical}".encode("utf-8", "replace")).hexdigest()

    @property
    def wamid(self) -> str | None:
        if isinstance(self.raw, dict):
            wamid = self.raw.get("id")
            if isinstance(wamid, str) and 0 < len(wamid.replace("\x00", "")) <= 255:
                return wamid.replace("\x00", "")
        return None


@dataclass
class ReadDelivery:
    object: str | None
    changes: list[ReadChange] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)


class _EntryShell(_Payload):
    id: str
    changes: list[Any] = Field(default_factory=list)


class _ChangeShell(_Payload):
    field: str
    value: dict[str, Any] = Field(default_factory=dict)


class _ValueShell(_Payload):
    metadata: Metadata | None = None
    messages: list[Any] = Field(default_factory=list)
    statuses: list[Any] = Field(default_factory=list)


def read_validated(payload: WebhookPayload) -> ReadDelivery:
    """A delivery that validated as a whole (the common case: one pass, no per-item work)."""
    read = ReadDelivery(object=payload.object)
    for entry in payload.entry:
        for change in entry.changes:
            metadata = change.value.metadata
            read.changes.append(
                ReadChange(
                    field_name=change.field,
                    phone_number_id=metadata.phone_number_id if metadata is not None else None,
                    messages=list(change.value.messages),
                    statuses=list(change.value.statuses),
                )
            )
    return read


def read_item_by_item(document: Any) -> ReadDelivery:
    """A delivery that did not validate as a whole: every readable item, and a rejection for each other."""
    if not isinstance(document, dict) or not isinstance(document.get("object"), str):
        return ReadDelivery(
            object=None,
            rejected=[Rejection("delivery", "$", "not an object with a string 'object' field", document)],
        )
    read = ReadDelivery(object=document["object"])
    entries = document.get("entry", [])
    if not isinstance(entries, list):
        read.rejected.append(Rejection("delivery", "entry", "'entry' is not a list", document))
        return read
    for i, raw_entry in enumerate(entries):
        where = f"entry[{i}]"
        try:
            entry = _EntryShell.model_validate(raw_entry)
        except ValidationError as exc:
            read.rejected.append(Rejection("entry", where, reason_of(exc), raw_entry))
            continue
        for j, raw_change in enumerate(entry.changes):
            _read_change(raw_change, f"{where}.changes[{j}]", read)
    return read


def _read_change(raw_change: Any, where: str, read: ReadDelivery) -> None:
    try:
        change = _ChangeShell.model_validate(raw_change)
        value = _ValueShell.model_validate(change.value)
    except ValidationError as exc:
        read.rejected.append(Rejection("change", where, reason_of(exc), raw_change))
        return
    number = value.metadata.phone_number_id if value.metadata is not None else None
    kept = ReadChange(field_name=change.field, phone_number_id=number)
    read.changes.append(kept)
    for k, raw_message in enumerate(value.messages):
        try:
            kept.messages.append(Message.model_validate(raw_message))
        except ValidationError as exc:
            read.rejected.append(
                Rejection("message", f"{where}.value.messages[{k}]", reason_of(exc), raw_message, number)
            )
    for k, raw_status in enumerate(value.statuses):
        try:
            kept.statuses.append(Status.model_validate(raw_status))
        except ValidationError as exc:
            read.rejected.append(
                Rejection("status", f"{where}.value.statuses[{k}]", reason_of(exc), raw_status, number)
            )


def reason_of(exc: ValidationError) -> str:
    """What is wrong, by field, without the offending values (they may hold a guest's words)."""
    parts = [
        f"{'.'.join(str(part) for part in error['loc']) or '(item)'}: {error['msg']}"
        for error in exc.errors(include_url=False, include_input=False)[:5]
    ]
    if exc.error_count() > 5:
        parts.append(f"and {exc.error_count() - 5} more")
    return "; ".join(parts)[:MAX_REASON]


def storable(value: Any) -> Any:
    """The value as both databases can store it (see the module docstring); strings otherwise untouched."""
    if isinstance(value, str):
        return value.replace("\x00", "") if "\x00" in value else value
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return value if -INT64 <= value < INT64 else str(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {storable(str(key)): storable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [storable(item) for item in value]
    return value
