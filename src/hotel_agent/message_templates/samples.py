"""Sample contexts stored as JSON: dates travel as ISO strings and come back as dates.

YAML catalogs write `checkin: 2027-01-14`, which loads as a `date`; the flows pass dates too. JSON has no
date type, so the database keeps the ISO text and `revive` turns it back, so a sample renders the same
from the database as from the file (and exports back to the same YAML).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:\d{2}|Z)?")


def to_json(value: Any) -> Any:
    """A JSON-serialisable copy: dates and datetimes as ISO text, decimals as floats, tuples as lists."""
    if isinstance(value, Mapping):
        return {str(key): to_json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [to_json(item) for item in value]
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


def revive(value: Any) -> Any:
    """The inverse of `to_json` for what it changed: ISO date and datetime strings become objects again."""
    if isinstance(value, Mapping):
        return {key: revive(item) for key, item in value.items()}
    if isinstance(value, list):
        return [revive(item) for item in value]
    if isinstance(value, str):
        if _DATE.fullmatch(value):
            return dt.date.fromisoformat(value)
        if _DATETIME.fullmatch(value):
            return dt.datetime.fromisoformat(value)
    return value
