"""Turning what a mention says about a day into a date, against the hotel-local today (future preferred)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True, slots=True)
class DateSpec:
    """What a mention says about one day, before it is resolved against today."""

    day: int | None = None
    month: int | None = None
    year: int | None = None
    fixed: date | None = None
    weekday: int | None = None

    @property
    def has_month(self) -> bool:
        return self.month is not None or self.fixed is not None


def resolve(spec: DateSpec | None, after: date, *, inclusive: bool) -> date | None:
    """The date `spec` names, on or after (`inclusive`) or strictly after `after`."""
    if spec is None:
        return None
    if spec.fixed is not None:
        return spec.fixed
    if spec.weekday is not None:
        return next_weekday(after, spec.weekday)
    if spec.day is None:
        return None
    if spec.month is not None and spec.year is not None:
        return date(spec.year, spec.month, spec.day) if valid_date(spec.year, spec.month, spec.day) else None
    if spec.month is not None:
        for year in range(after.year, after.year + 5):
            if valid_date(year, spec.month, spec.day):
                candidate = date(year, spec.month, spec.day)
                if candidate > after or (inclusive and candidate == after):
                    return candidate
        return None
    year, month = after.year, after.month
    for _ in range(14):
        if valid_date(year, month, spec.day):
            candidate = date(year, month, spec.day)
            if candidate > after or (inclusive and candidate == after):
                return candidate
        month += 1
        if month == 13:
            year, month = year + 1, 1
    return None


def valid_date(year: int, month: int, day: int) -> bool:
    """True if the day exists (no 30 February)."""
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return False
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def next_weekday(after: date, weekday: int) -> date:
    """The first `weekday` strictly after `after`."""
    return after + timedelta(days=(weekday - after.weekday() - 1) % 7 + 1)


def weekend(today: date, upcoming_next: bool) -> tuple[date, date]:
    """Friday to Sunday of the coming weekend; on a Saturday the rest of the current one."""
    weekday = today.weekday()
    if weekday == 5:
        start = today if not upcoming_next else today + timedelta(days=6)
        if start == today:
            return today, today + timedelta(days=1)
    elif weekday == 4:
        start = today + timedelta(days=7) if upcoming_next else today
    else:
        start = next_weekday(today, 4)
    return start, start + timedelta(days=2)
