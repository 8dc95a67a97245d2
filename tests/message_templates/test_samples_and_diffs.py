"""Sample contexts round-trip through JSON; diffs read well for operators."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hotel_agent.message_templates.diffing import WordChange, render_word_diff, unified_diff, word_diff
from hotel_agent.message_templates.samples import revive, to_json


def test_samples_survive_json() -> None:
    sample = {
        "day": dt.date(2027, 1, 15),
        "at": dt.datetime(2027, 1, 15, 14, 30),
        "time": dt.time(15, 0),
        "price": Decimal("110.50"),
        "offers": ({"n": 1},),
        "label": "2027",
    }
    stored = to_json(sample)
    assert stored == {
        "day": "2027-01-15",
        "at": "2027-01-15T14:30:00",
        "time": "15:00:00",
        "price": 110.5,
        "offers": [{"n": 1}],
        "label": "2027",
    }
    revived = revive(stored)
    assert (revived["day"], revived["at"], revived["label"]) == (
        dt.date(2027, 1, 15),
        dt.datetime(2027, 1, 15, 14, 30),
        "2027",
    )


def test_word_diff_marks_replacements_and_deletions() -> None:
    changes = word_diff("Two nights, breakfast included.", "Two nights.")
    assert render_word_diff(changes) == "Two nights[-, breakfast included-]."
    replaced = word_diff("See you soon", "See you later")
    assert replaced == [
        WordChange("equal", "See you "),
        WordChange("delete", "soon"),
        WordChange("insert", "later"),
    ]
    assert word_diff("", "") == []


def test_unified_diff_of_equal_texts_is_empty() -> None:
    assert unified_diff("a\nb", "a\nb", "x@1", "x@2") == ""
    assert unified_diff("a", "b", "x@1", "x@2") == "--- x@1\n+++ x@2\n@@ -1 +1 @@\n-a\n+b\n"
