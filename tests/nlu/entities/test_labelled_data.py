"""The extractor against the labelled NLU data (src/hotel_agent/nlu/data/{train,dev}/*.jsonl).

The files are written by other work in progress: a missing split is skipped and unreadable lines are ignored.
Dates must match exactly (check-in, check-out and nights together) on at least 95% of the dated lines; the
other entities are reported (run with `-s` to see the table and the misses).
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

import hotel_agent.nlu
from hotel_agent.nlu.entities import EntityExtractor
from tests.support.entities import SUNDAY

DATA = Path(hotel_agent.nlu.__file__).parent / "data"
DATE_KEYS = ("checkin", "checkout", "nights")
FIELDS: dict[str, tuple[str, ...]] = {
    "dates": DATE_KEYS,
    "guests": ("adults", "children"),
    "room_type": ("room_type",),
    "booking_ref": ("booking_ref",),
    "email": ("email",),
    "phone": ("phone",),
    "name": ("name",),
}
MIN_DATE_EXACT_MATCH = 0.95
MAX_DATE_FALSE_POSITIVES = 0.02


def load(split: str) -> list[tuple[str, int, dict[str, Any]]]:
    rows: list[tuple[str, int, dict[str, Any]]] = []
    for path in sorted((DATA / split).glob("*.jsonl")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            try:
                row = json.loads(line)
            except json.JSONDecodeError:
                continue  # a line being written
            if isinstance(row, dict) and {"lang", "text"} <= row.keys():
                rows.append((path.name, number, row))
    return rows


@pytest.mark.parametrize("split", ["train", "dev"])
def test_entities_match_the_labels(extractor: EntityExtractor, split: str) -> None:
    rows = load(split)
    assert rows, f"no labelled data in {DATA / split}: it ships with the package"
    counts: Counter[tuple[str, str]] = Counter()
    misses: list[str] = []
    for filename, number, row in rows:
        got = extractor.extract(row["text"], row["lang"], SUNDAY).present()
        labels = row.get("entities") or {}
        for field, keys in FIELDS.items():
            expected = {key: labels[key] for key in keys if key in labels}
            found = {key: got[key] for key in keys if key in got}
            kind = "labelled" if expected else "unlabelled"
            counts[field, kind] += 1
            if expected == found:
                counts[field, kind + "_ok"] += 1
            else:
                misses.append(
                    f"{field:11} {filename}:{number} {row['text']!r} expected {expected} got {found}"
                )
    print(f"\n{split}: {len(rows)} lines")
    for field in FIELDS:
        labelled, unlabelled = counts[field, "labelled"], counts[field, "unlabelled"]
        print(
            f"  {field:11} exact {counts[field, 'labelled_ok']}/{labelled}"
            f"  clean where unlabelled {counts[field, 'unlabelled_ok']}/{unlabelled}"
        )
    print("\n".join("  " + miss for miss in misses))

    dated = counts["dates", "labelled"]
    if dated:
        exact = counts["dates", "labelled_ok"] / dated
        assert exact >= MIN_DATE_EXACT_MATCH, f"date exact match {exact:.1%} on {dated} dated lines"
    undated = counts["dates", "unlabelled"]
    if undated:
        false_positives = 1 - counts["dates", "unlabelled_ok"] / undated
        assert false_positives <= MAX_DATE_FALSE_POSITIVES, (
            f"dates found on {false_positives:.1%} of undated lines"
        )
