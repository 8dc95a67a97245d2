"""Every guest-facing sentence comes from templates: the conversation code holds no prose of its own.

Scans the conversation package's source for string literals that read like a sentence (three or more
words) outside docstrings, log calls, API/CLI descriptions and exception messages for operators.
"""

from __future__ import annotations

from pathlib import Path

import hotel_agent.conversation as conversation_package
from tests.support.prose import prose_literals


def test_conversation_code_contains_no_guest_facing_prose() -> None:
    root = Path(conversation_package.__file__).parent
    offenders = [
        f"{path.relative_to(root)}:{line}: {text!r}"
        for path in sorted(root.rglob("*.py"))
        # conversation/testing is the operator's test runner: its report is for people running it, not guests;
        # conversation/simulator's notes are for staff on the admin simulator's transcript, not guests.
        if path.relative_to(root).parts[0] not in {"testing", "simulator"}
        for line, text in prose_literals(path.read_text(encoding="utf-8"))
    ]
    assert offenders == [], "guest-facing text must live in message_templates/catalog:\n" + "\n".join(
        offenders
    )


def test_the_scanner_catches_a_hardcoded_reply() -> None:
    sample = (
        'def reply(turn):\n    """Docstring is fine."""\n'
        '    turn.replies.append("Your booking is confirmed")\n'
    )
    assert prose_literals(sample) == [(3, "Your booking is confirmed")]
