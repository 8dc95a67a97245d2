"""GrowthBook's golden vectors and the split of many guests."""

from __future__ import annotations

import pytest

from hotel_agent.experiments.hashing import (
    assign,
    bucket_ranges,
    choose_variation,
    fnv1a32,
    hash_v1,
    hash_v2,
)


@pytest.mark.parametrize(
    ("seed", "value", "expected"), [("", "a", 0.22), ("", "b", 0.077), ("b", "a", 0.946)]
)
def test_hash_v1_golden_vectors(seed: str, value: str, expected: float) -> None:
    assert hash_v1(seed, value) == expected


@pytest.mark.parametrize(("seed", "value", "expected"), [("seed", "a", 0.0505), ("seed", "b", 0.2696)])
def test_hash_v2_golden_vectors(seed: str, value: str, expected: float) -> None:
    assert hash_v2(seed, value) == expected


def test_growthbook_cases_run_default_weights() -> None:
    # cases.json "run": key my-test, default weights, inline run (hash v1), ids "1".."9".
    chosen = [choose_variation(hash_v1("my-test", str(i)), bucket_ranges(2, 1.0)) for i in range(1, 10)]
    assert chosen == [1, 0, 0, 1, 1, 1, 0, 1, 0]


def test_fnv1a32_known_value() -> None:
    assert fnv1a32("") == 0x811C9DC5
    assert fnv1a32("a") == 0xE40C292C  # the published FNV-1a 32-bit test vector


def test_ranges_follow_weights_and_coverage() -> None:
    assert bucket_ranges(2, 1.0, [0.2, 0.8]) == [(0.0, 0.2), (0.2, 1.0)]
    assert bucket_ranges(2, 0.5, [0.5, 0.5]) == [(0.0, 0.25), (0.5, 0.75)]
    # Weights that do not add up fall back to equal, as in GrowthBook.
    assert bucket_ranges(2, 1.0, [0.7, 0.7]) == [(0.0, 0.5), (0.5, 1.0)]
    assert choose_variation(0.3, [(0.0, 0.25), (0.5, 0.75)]) == -1


def test_empty_guest_is_not_in_the_experiment() -> None:
    assert assign("exp", "", [0.5, 0.5]) == -1


@pytest.mark.parametrize("weights", [[0.5, 0.5], [0.2, 0.8], [0.34, 0.33, 0.33]])
def test_hundred_thousand_guests_split_within_one_point(weights: list[float]) -> None:
    counts = [0] * len(weights)
    guests = 100_000
    for n in range(guests):
        counts[assign("greeting-test", f"wa:100000000000001:34600{n:06d}", weights)] += 1
    for count, weight in zip(counts, weights, strict=True):
        assert abs(count / guests - weight) <= 0.01


def test_raising_coverage_keeps_everyone_who_was_in() -> None:
    guests = [f"wa:1:{n}" for n in range(5000)]
    before = {g: assign("s", g, [0.5, 0.5], coverage=0.4) for g in guests}
    after = {g: assign("s", g, [0.5, 0.5], coverage=0.9) for g in guests}
    assert all(after[g] == v for g, v in before.items() if v != -1)
    assert sum(v != -1 for v in after.values()) > sum(v != -1 for v in before.values())


def test_assignment_is_pinned_across_processes() -> None:
    # Pinned values: Python's salted hash() would move these from one process to the next.
    assert [assign("welcome", f"guest-{n}", [0.5, 0.5]) for n in range(8)] == [0, 0, 1, 0, 0, 1, 1, 0]
    assert hash_v2("welcome", "wa:100000000000001:34600000001") == 0.1671
