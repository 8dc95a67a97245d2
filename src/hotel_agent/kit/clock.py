"""An injectable clock, so date resolution and expiry logic can be tested at a fixed instant."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The current instant, timezone-aware in UTC."""
    return datetime.now(UTC)


class FixedClock:
    """A clock that returns a settable instant; tests advance it explicitly."""

    def __init__(self, instant: datetime) -> None:
        if instant.tzinfo is None:
            raise ValueError("FixedClock needs a timezone-aware datetime")
        self.instant = instant

    def __call__(self) -> datetime:
        return self.instant

    def advance(self, **delta: float) -> None:
        from datetime import timedelta

        self.instant = self.instant + timedelta(**delta)
