"""Webhook payloads shaped exactly like Meta's, for `whatsapp simulate`, the tests and the benchmarks."""

from __future__ import annotations

import time
import uuid
from typing import Any

import orjson

from hotel_agent.channels.whatsapp.security import SIGNATURE_HEADER, sign

WABA_ID = "102290129340398"


def new_wamid() -> str:
    return "wamid.HBgL" + uuid.uuid4().hex.upper()


def message_payload(
    *,
    wa_id: str,
    kind: str = "text",
    text: str = "",
    choice_id: str | None = None,
    wamid: str | None = None,
    timestamp: int | None = None,
    context_wamid: str | None = None,
    name: str = "Guest",
) -> dict[str, Any]:
    """One inbound message of the given WhatsApp type; `text` is the body, caption, title or place name."""
    message: dict[str, Any] = {
        "from": wa_id,
        "id": wamid or new_wamid(),
        "timestamp": str(timestamp if timestamp is not None else int(time.time())),
        "type": kind,
    }
    if kind == "text":
        message["text"] = {"body": text}
    elif kind == "button_reply":
        message["type"] = "interactive"
        message["interactive"] = {
            "type": "button_reply",
            "button_reply": {"id": choice_id or text, "title": text},
        }
    elif kind == "list_reply":
        message["type"] = "interactive"
        message["interactive"] = {
            "type": "list_reply",
            "list_reply": {"id": choice_id or text, "title": text, "description": ""},
        }
    elif kind in ("image", "video", "document", "sticker"):
        media: dict[str, Any] = {"id": uuid.uuid4().hex[:15], "mime_type": "image/jpeg", "sha256": "0" * 64}
        if text:
            media["caption"] = text
        message[kind] = media
    elif kind == "audio":
        message["audio"] = {"id": uuid.uuid4().hex[:15], "mime_type": "audio/ogg; codecs=opus", "voice": True}
    elif kind == "location":
        message["location"] = {"latitude": 38.7223, "longitude": -9.1393, "name": text or None}
    elif kind == "reaction":
        message["reaction"] = {"message_id": context_wamid or new_wamid(), "emoji": text or "👍"}
    elif kind == "unsupported":
        message["errors"] = [{"code": 131051, "title": "Message type unknown"}]
    if context_wamid and kind != "reaction":
        message["context"] = {"from": wa_id, "id": context_wamid}
    return message


def webhook(
    phone_number_id: str,
    *,
    messages: list[dict[str, Any]] | None = None,
    statuses: list[dict[str, Any]] | None = None,
    contacts: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    value: dict[str, Any] = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550001111", "phone_number_id": phone_number_id},
    }
    if messages:
        value["contacts"] = contacts or [
            {"profile": {"name": "Guest"}, "wa_id": wa_id} for wa_id in {m.get("from") for m in messages}
        ]
        value["messages"] = messages
    if statuses:
        value["statuses"] = statuses
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": WABA_ID, "changes": [{"field": "messages", "value": value}]}],
    }


def status_payload(
    wamid: str,
    status: str,
    recipient: str,
    *,
    timestamp: int | None = None,
    callback_data: str | None = None,
    error_code: int | None = None,
) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": wamid,
        "status": status,
        "timestamp": str(timestamp if timestamp is not None else int(time.time())),
        "recipient_id": recipient,
    }
    if callback_data:
        item["biz_opaque_callback_data"] = callback_data
    if error_code is not None:
        item["errors"] = [
            {
                "code": error_code,
                "title": "Re-engagement message" if error_code == 131047 else "Error",
                "message": "Re-engagement message" if error_code == 131047 else "Error",
                "error_data": {"details": "Message failed to send"},
            }
        ]
    return item


def signed_request(payload: dict[str, Any], app_secret: str) -> tuple[bytes, dict[str, str]]:
    """The exact bytes and the headers Meta would send."""
    body = orjson.dumps(payload)
    return body, {"Content-Type": "application/json", SIGNATURE_HEADER: sign(body, app_secret)}
