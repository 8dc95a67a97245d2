"""Nightly rates of the embedded PMS: weekend nights (Friday and Saturday) use the weekend rate."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hotel_agent.pms.schemas import NightlyPrice

WEEKEND_NIGHTS = frozenset({4, 5})  # Friday, Saturday


def nightly_prices(
    checkin: date, checkout: date, base_rate: Decimal, weekend_rate: Decimal
) -> list[NightlyPrice]:
    nights = (checkout - checkin).days
    return [
        NightlyPrice(
            date=night,
            amount=weekend_rate if night.weekday() in WEEKEND_NIGHTS else base_rate,
        )
        for night in (checkin + timedelta(days=offset) for offset in range(nights))
    ]


def total_price(prices: list[NightlyPrice]) -> Decimal:
    return sum((price.amount for price in prices), Decimal("0.00")).quantize(Decimal("0.01"))
