"""Comparing two versions of a text: a unified diff by line and a word diff for prose edits."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Literal

# Words, runs of whitespace, and single punctuation marks or template delimiters.
_TOKEN = re.compile(r"\s+|\w+|\{\{|\}\}|\{%|%\}|[^\w\s]", re.UNICODE)

WordOp = Literal["equal", "delete", "insert"]


@dataclass(frozen=True, slots=True)
class WordChange:
    op: WordOp
    text: str


def unified_diff(old: str, new: str, old_name: str, new_name: str) -> str:
    """`diff -u` of the two texts by line ('' when they are equal).

    A final newline is not part of a guest message (rendering strips the text), so it is not diffed.
    """
    lines = difflib.unified_diff(old.splitlines(), new.splitlines(), old_name, new_name, lineterm="")
    return "".join(line + "\n" for line in lines)


def word_diff(old: str, new: str) -> list[WordChange]:
    """The new text as runs of kept, deleted and inserted words (whitespace kept as written)."""
    before, after = _TOKEN.findall(old), _TOKEN.findall(new)
    changes: list[WordChange] = []
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    for op, a_start, a_end, b_start, b_end in matcher.get_opcodes():
        if op == "equal":
            _append(changes, "equal", "".join(before[a_start:a_end]))
            continue
        if op in {"delete", "replace"}:
            _append(changes, "delete", "".join(before[a_start:a_end]))
        if op in {"insert", "replace"}:
            _append(changes, "insert", "".join(after[b_start:b_end]))
    return changes


def render_word_diff(changes: list[WordChange]) -> str:
    """git's `--word-diff=plain` notation: `[-removed-]{+added+}`."""
    marks = {"equal": ("", ""), "delete": ("[-", "-]"), "insert": ("{+", "+}")}
    return "".join(marks[change.op][0] + change.text + marks[change.op][1] for change in changes)


def _append(changes: list[WordChange], op: WordOp, text: str) -> None:
    if not text:
        return
    if changes and changes[-1].op == op:
        changes[-1] = WordChange(op, changes[-1].text + text)
    else:
        changes.append(WordChange(op, text))


@dataclass(frozen=True, slots=True)
class SideBySideRow:
    """One line of a two-column diff: `old` and/or `new` (None where the other side has no line)."""

    op: Literal["equal", "delete", "insert", "replace"]
    old: str | None
    new: str | None
    old_number: int | None
    new_number: int | None


def side_by_side(old: str, new: str) -> list[SideBySideRow]:
    """Both texts line by line, aligned: changed lines face each other, added or removed ones face a gap."""
    before, after = old.splitlines(), new.splitlines()
    rows: list[SideBySideRow] = []
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    for op, a_start, a_end, b_start, b_end in matcher.get_opcodes():
        span = max(a_end - a_start, b_end - b_start)
        for offset in range(span):
            a, b = a_start + offset, b_start + offset
            left = before[a] if a < a_end else None
            right = after[b] if b < b_end else None
            kind = (
                op
                if op != "replace" or (left is not None and right is not None)
                else ("delete" if right is None else "insert")
            )
            rows.append(
                SideBySideRow(
                    kind,
                    left,
                    right,
                    a + 1 if left is not None else None,
                    b + 1 if right is not None else None,
                )
            )
    return rows
