"""The subject of the PMS contract suite: an adapter and the facts about its hotel."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from hotel_agent.pms.base import PmsAdapter


@dataclass
class Subject:
    """An adapter and the facts about its hotel that the contract tests need."""

    pms: PmsAdapter
    room_type: str  # takes 2 adults
    other_room_type: str  # another type that takes 2 adults, at another price
    unknown_reference: str  # well-formed for this adapter, but no such booking
    checkin: date  # a future check-in, well inside every booking window

    def stay(self, nights: int = 2, offset: int = 0) -> tuple[date, date]:
        checkin = self.checkin + timedelta(days=offset)
        return checkin, checkin + timedelta(days=nights)
