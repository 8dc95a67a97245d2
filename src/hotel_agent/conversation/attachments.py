"""What the bot answers when a guest sends something other than text (a voice note, a photo, a location).

The keys keep their historical `whatsapp.*` names: operators may have edited these templates.
"""

from __future__ import annotations

from hotel_agent.conversation.schemas import Attachment

ATTACHMENT_REPLIES: dict[Attachment, str] = {
    "audio": "whatsapp.voice_note",
    "image": "whatsapp.media_unsupported",
    "video": "whatsapp.media_unsupported",
    "document": "whatsapp.media_unsupported",
    "sticker": "whatsapp.media_unsupported",
    "location": "whatsapp.location_received",
}
UNSUPPORTED_REPLY = "whatsapp.unsupported"


def attachment_reply_key(attachment: Attachment) -> str:
    return ATTACHMENT_REPLIES.get(attachment, UNSUPPORTED_REPLY)
