"""Every guest-facing sentence comes from templates: the conversation code holds no prose of its own.

Scans the conversation package's source for string literals that read like a sentence (three or more
words) outside docstrings, log calls, API/CLI descriptions and exception messages for operators.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import hotel_agent.conversation as conversation_package

PROSE = re.compile(r"[^\W\d_]+(?:[\s,]+[^\W\d_']+){2,}", re.UNICODE)
# Calls whose string arguments are for operators or developers, never sent to a guest.
NON_GUEST_CALLS = {
    "Field",
    "Option",
    "Argument",
    "secho",
    "echo",
    "info",
    "warning",
    "error",
    "debug",
    "exception",
    "Counter",
    "Histogram",
    "Gauge",
}


def _call_name(node: ast.Call) -> str:
    func = node.func
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""


def prose_literals(source: str) -> list[tuple[int, str]]:
    tree = ast.parse(source)
    exempt: set[int] = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr):
            value = body[0].value
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                exempt.add(id(value))  # docstring
        if isinstance(node, ast.Raise) or (
            isinstance(node, ast.Call) and _call_name(node) in NON_GUEST_CALLS
        ):
            exempt.update(id(child) for child in ast.walk(node))
    found = []
    for node in ast.walk(tree):
        is_text = isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in exempt
        if is_text and PROSE.search(node.value):
            found.append((node.lineno, node.value))
    return found


def test_conversation_code_contains_no_guest_facing_prose() -> None:
    root = Path(conversation_package.__file__).parent
    offenders = [
        f"{path.relative_to(root)}:{line}: {text!r}"
        for path in sorted(root.rglob("*.py"))
        # conversation/testing is the operator's test runner: its report is for people running it, not guests.
        if path.relative_to(root).parts[0] != "testing"
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
