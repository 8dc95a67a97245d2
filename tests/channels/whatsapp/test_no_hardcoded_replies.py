"""The channel holds no guest-facing prose: its replies (media, voice notes...) come from the catalog.

Scans the modules that produce what a guest receives (processing, outbox, outbound bodies); the others
talk to operators and Meta (API descriptions, CLI help, errors), like the exemptions of the conversation's
scanner.
"""

from __future__ import annotations

from pathlib import Path

import hotel_agent.channels as channels_package
from tests.support.prose import prose_literals

GUEST_FACING = ("whatsapp/service/processing.py", "whatsapp/service/outbox.py", "whatsapp/outbound.py")


def test_channel_code_contains_no_guest_facing_prose() -> None:
    root = Path(channels_package.__file__).parent
    offenders = [
        f"{path.relative_to(root)}:{line}: {text!r}"
        for path in (root / name for name in GUEST_FACING)
        for line, text in prose_literals(path.read_text(encoding="utf-8"))
    ]
    assert offenders == [], "guest-facing text must live in message_templates/catalog:\n" + "\n".join(
        offenders
    )


def test_every_canned_reply_exists_in_every_language() -> None:
    from hotel_agent.conversation.attachments import ATTACHMENT_REPLIES, UNSUPPORTED_REPLY
    from hotel_agent.message_templates import YamlTemplateSource

    source = YamlTemplateSource()
    for key in {*ATTACHMENT_REPLIES.values(), UNSUPPORTED_REPLY}:
        for language in ("en", "es", "pt"):
            assert source.get(key, language) is not None, (key, language)
