"""Server-drawn SVG geometry for the A/B results: each arm's conversion rate with its interval.

The page draws with these numbers (no script, no library): one row per arm, the interval as a bar, the rate
as a dot, on a scale from 0 to a little above the highest interval's end.
"""

from __future__ import annotations

from dataclasses import dataclass

from hotel_agent.experiments.schemas import ArmOut

WIDTH = 560
LABEL = 110
ROW = 34
PAD = 16


@dataclass(frozen=True, slots=True)
class ChartRow:
    variant: str
    y: float
    low_x: float
    high_x: float
    rate_x: float
    label: str


@dataclass(frozen=True, slots=True)
class IntervalChart:
    width: int
    height: int
    rows: list[ChartRow]
    ticks: list[tuple[float, str]]
    axis_y: float


def interval_chart(arms: list[ArmOut]) -> IntervalChart:
    top = max([arm.rate_interval[1] for arm in arms] + [0.01])
    scale_max = min(1.0, top * 1.15)
    span = WIDTH - LABEL - PAD

    def x(value: float) -> float:
        return round(LABEL + span * (value / scale_max), 1)

    rows = [
        ChartRow(
            arm.variant,
            PAD + index * ROW + ROW / 2,
            x(arm.rate_interval[0]),
            x(arm.rate_interval[1]),
            x(arm.rate),
            f"{arm.rate:.1%} ({arm.rate_interval[0]:.1%}–{arm.rate_interval[1]:.1%})",
        )
        for index, arm in enumerate(arms)
    ]
    axis_y = PAD + len(arms) * ROW + 4
    ticks = [(x(scale_max * step / 4), f"{scale_max * step / 4:.0%}") for step in range(5)]
    return IntervalChart(WIDTH, int(axis_y + 28), rows, ticks, axis_y)
