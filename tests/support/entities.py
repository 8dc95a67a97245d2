"""Reference clocks and small helpers for the entity tests."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

LISBON = ZoneInfo("Europe/Lisbon")
# The labelling clock of docs/nlu-data.md: a Sunday noon.
SUNDAY = datetime.fromisoformat("2027-01-10T12:00:00+00:00")
FRIDAY_EVENING = datetime(2027, 1, 15, 20, 30, tzinfo=LISBON)
# A Tuesday near year end, for year rollover.
YEAR_END = datetime(2027, 12, 28, 10, 0, tzinfo=LISBON)

Extract = Callable[..., dict[str, object]]


def dates(result: dict[str, object]) -> dict[str, object]:
    return {key: result[key] for key in ("checkin", "checkout", "nights") if key in result}
