"""Server-drawn SVG geometry for the A/B results (no script, no library: the CSP allows none inline).

`interval_chart`: one row per arm, the interval as a bar, the rate as a dot, on a scale from 0 to a little
above the highest interval's end. `exposure_chart`: cumulative first exposures per variant by UTC day, one
line each; the page shows the same numbers as a table beside it (the accessible reading of the chart).
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


# Dark enough for 3:1 against white (WCAG's non-text contrast), told apart by dash pattern as well.
LINE_STYLES = (("#0b5cad", ""), ("#a4161a", "6 4"), ("#1e6b35", "2 3"), ("#6b3fa0", "10 3 2 3"))
TIMELINE_HEIGHT = 220


@dataclass(frozen=True, slots=True)
class TimelineLine:
    variant: str
    points: str
    color: str
    dash: str
    total: int
    end_x: float
    end_y: float


@dataclass(frozen=True, slots=True)
class TimelineChart:
    width: int
    height: int
    lines: list[TimelineLine]
    x_ticks: list[tuple[float, str]]
    y_ticks: list[tuple[float, str]]
    left: float
    right: float
    top: float
    bottom: float


def exposure_chart(variants: list[str], days: list[tuple[str, list[int]]]) -> TimelineChart | None:
    """Cumulative exposures per variant over the days that had any; None without exposures."""
    if not days:
        return None
    left, right, top, bottom = 56.0, WIDTH - 90.0, 12.0, TIMELINE_HEIGHT - 34.0
    running = [0] * len(variants)
    cumulative: list[list[int]] = []
    for _, counts in days:
        running = [total + count for total, count in zip(running, counts, strict=True)]
        cumulative.append(running)
    peak = max(max(point) for point in cumulative) or 1
    step = (right - left) / max(1, len(days) - 1)

    def x(index: int) -> float:
        return round(left + step * index if len(days) > 1 else (left + right) / 2, 1)

    def y(value: int) -> float:
        return round(bottom - (bottom - top) * value / peak, 1)

    lines = []
    for index, variant in enumerate(variants):
        color, dash = LINE_STYLES[index % len(LINE_STYLES)]
        values = [point[index] for point in cumulative]
        points = " ".join(f"{x(i)},{y(v)}" for i, v in enumerate(values))
        if len(days) == 1:
            points = f"{left},{y(values[0])} {right},{y(values[0])}"
        lines.append(
            TimelineLine(variant, points, color, dash, values[-1], x(len(days) - 1) + 6, y(values[-1]))
        )
    shown = sorted({0, len(days) // 2, len(days) - 1})
    x_ticks = [(x(i), days[i][0][5:]) for i in shown]
    y_ticks = [(y(round(peak * part / 4)), str(round(peak * part / 4))) for part in range(5)]
    return TimelineChart(WIDTH, TIMELINE_HEIGHT, lines, x_ticks, y_ticks, left, right, top, bottom)
