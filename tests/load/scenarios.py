"""The plan's load shapes (C.3), full length for a staging host and compressed for this 2-core machine.

A shape is a list of (fraction of the run, users) points joined by straight lines; `users_at` reads it.
`short` keeps the shape and the user counts and compresses time: the same ramps and the same spike, in
fewer minutes. `duration` overrides either.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass


@dataclass(frozen=True)
class Scenario:
    name: str
    full_seconds: float
    short_seconds: float
    points: tuple[tuple[float, int], ...]
    description: str

    def users_at(self, fraction: float) -> float:
        points = self.points
        if fraction <= points[0][0]:
            return float(points[0][1])
        for (x0, y0), (x1, y1) in itertools.pairwise(points):
            if fraction <= x1:
                return y0 + (y1 - y0) * (fraction - x0) / (x1 - x0) if x1 > x0 else float(y1)
        return float(points[-1][1])

    @property
    def peak_users(self) -> int:
        return max(users for _, users in self.points)


SCENARIOS = {
    "normal": Scenario(
        "normal",
        10 * 60,
        120,
        ((0.0, 0), (0.1, 50), (1.0, 50)),
        "50 concurrent guests (ramp over the first 10%), plan: 10 minutes",
    ),
    "peak": Scenario(
        "peak",
        5 * 60,
        120,
        ((0.0, 0), (0.1, 200), (1.0, 200)),
        "200 concurrent guests (ramp over the first 10%), plan: 5 minutes",
    ),
    "spike": Scenario(
        "spike",
        15 * 60,
        240,
        # Gradual ramp-up to 100, a sudden spike to 500 (in 2% of the run), held, a gradual decline to 10,
        # then 10 guests while the backlog drains: every message must still get its reply.
        ((0.0, 10), (0.3, 100), (0.32, 500), (0.45, 500), (0.85, 10), (1.0, 10)),
        "10 -> 100 gradually, sudden spike to 500, held, gradual decline to 10, plan: 15 minutes",
    ),
    "soak": Scenario(
        "soak",
        30 * 60,
        300,
        ((0.0, 0), (0.03, 50), (1.0, 50)),
        "normal load (50 guests) held: RSS and queue lag must stay flat, plan: 30 minutes",
    ),
    # `make test`'s smoke run: a few guests for a few seconds.
    "smoke": Scenario("smoke", 15, 15, ((0.0, 4), (1.0, 4)), "4 guests, a few seconds (make test)"),
}


def parse_duration(text: str) -> float:
    """'90', '90s', '5m', '1h30m' -> seconds."""
    text = text.strip().lower()
    if text.replace(".", "", 1).isdigit():
        return float(text)
    total, number = 0.0, ""
    units = {"h": 3600, "m": 60, "s": 1}
    for char in text:
        if char.isdigit() or char == ".":
            number += char
        elif char in units and number:
            total += float(number) * units[char]
            number = ""
        else:
            raise ValueError(f"not a duration: {text!r} (e.g. 90, 90s, 5m, 1h30m)")
    if number:
        raise ValueError(f"not a duration: {text!r} (a number needs a unit after another unit)")
    return total
