"""GrowthBook's bucketing, ported exactly so a guest lands in the same variant in every process.

`hash_v2(seed, value)` is GrowthBook's `hashVersion: 2`: FNV-1a 32-bit of `seed + value`, then FNV-1a of
that number's decimal string, modulo 10,000. Python's built-in `hash()` is salted per process and must
never be used for assignment. Ranges follow `getBucketRanges`: each variant gets `coverage * weight` of
the unit interval starting at its cumulative weight, so lowering coverage excludes guests *inside* each
slice and raising it again keeps everybody who was already in. The golden vectors in the tests come from
GrowthBook's own `cases.json`.
"""

from __future__ import annotations

from collections.abc import Sequence

_FNV_OFFSET = 0x811C9DC5
_FNV_PRIME = 0x01000193
_MASK = 0xFFFFFFFF


def fnv1a32(value: str) -> int:
    """FNV-1a over the characters of `value` (code points; identical to JS for ASCII ids)."""
    hashed = _FNV_OFFSET
    for char in value:
        hashed ^= ord(char)
        hashed = (hashed * _FNV_PRIME) & _MASK
    return hashed


def hash_v1(seed: str, value: str) -> float:
    """GrowthBook's legacy hash (value first, 3 decimals); kept for the golden vectors only."""
    return (fnv1a32(value + seed) % 1000) / 1000


def hash_v2(seed: str, value: str) -> float:
    """GrowthBook's unbiased hash: a number in [0, 1) with 4 decimals."""
    return (fnv1a32(str(fnv1a32(seed + value))) % 10000) / 10000


def bucket_ranges(
    count: int, coverage: float, weights: Sequence[float] | None = None
) -> list[tuple[float, float]]:
    """`getBucketRanges`: equal weights when none are given or they do not sum to 1 (± 0.01)."""
    if count <= 0:
        return []
    coverage = min(max(coverage, 0.0), 1.0)
    if weights is None or len(weights) != count or abs(sum(weights) - 1.0) > 0.01:
        weights = [1.0 / count] * count
    ranges: list[tuple[float, float]] = []
    cumulative = 0.0
    for weight in weights:
        start = cumulative
        cumulative += weight
        ranges.append((start, start + coverage * weight))
    return ranges


def choose_variation(bucket: float, ranges: Sequence[tuple[float, float]]) -> int:
    """Index of the range holding `bucket`, or -1: the guest is outside the experiment's coverage."""
    for index, (start, end) in enumerate(ranges):
        if start <= bucket < end:
            return index
    return -1


def assign(seed: str, guest_id: str, weights: Sequence[float], coverage: float = 1.0) -> int:
    """The variant index a guest gets in an experiment seeded `seed`, or -1 when not covered."""
    if not guest_id:
        return -1
    return choose_variation(hash_v2(seed, guest_id), bucket_ranges(len(weights), coverage, weights))
