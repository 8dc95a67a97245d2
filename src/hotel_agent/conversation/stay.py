"""Merge what the guest said about dates and party into the conversation's stay slots, handling corrections.

Shared by the flows (availability, new and existing bookings) and the engine; it is not a flow itself.
"""

from __future__ import annotations

from datetime import timedelta

from hotel_agent.conversation.state import StaySlots
from hotel_agent.nlu.schemas import Entities

DEFAULT_ADULTS = 2


def mentions_stay(entities: Entities) -> bool:
    return any(
        value is not None
        for value in (
            entities.checkin,
            entities.checkout,
            entities.nights,
            entities.adults,
            entities.children,
            entities.room_type,
        )
    )


def merge_stay(stay: StaySlots, entities: Entities) -> StaySlots:
    """A new stay with the message's entities applied; "no, the 16th" keeps the number of nights."""
    merged = stay.model_copy()
    previous_nights = (
        (stay.checkout - stay.checkin).days
        if stay.checkin and stay.checkout and not stay.assumed_nights
        else None
    )
    if entities.checkin is not None:
        merged.checkin = entities.checkin
        merged.assumed_nights = False
        if entities.checkout is not None:
            merged.checkout = entities.checkout
        elif entities.nights is not None:
            merged.checkout = entities.checkin + timedelta(days=entities.nights)
        elif previous_nights is not None:
            merged.checkout = entities.checkin + timedelta(days=previous_nights)
        else:
            merged.checkout = None
    elif entities.checkout is not None:
        merged.checkout = entities.checkout
        merged.assumed_nights = False
    elif entities.nights is not None and merged.checkin is not None:
        merged.checkout = merged.checkin + timedelta(days=entities.nights)
        merged.assumed_nights = False
    if entities.adults is not None:
        merged.adults = entities.adults
        merged.assumed_adults = False
        # "actually 3 people" restates the whole party.
        merged.children = entities.children if entities.children is not None else 0
    elif entities.children is not None:
        merged.children = entities.children
    if entities.room_type is not None:
        merged.room_type = entities.room_type
    return merged


def fill_defaults(stay: StaySlots) -> StaySlots:
    """Assume one night and two adults when the guest has not said, and remember we assumed."""
    filled = stay.model_copy()
    if filled.checkin is not None and (filled.checkout is None or filled.checkout <= filled.checkin):
        filled.checkout = filled.checkin + timedelta(days=1)
        filled.assumed_nights = True
    if filled.adults is None:
        filled.adults = DEFAULT_ADULTS
        filled.assumed_adults = True
    if filled.children is None:
        filled.children = 0
    return filled
