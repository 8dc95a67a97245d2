"""Availability and prices: room types that fit the party, per night and in total, in the guest's locale."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from pydantic import ValidationError

from hotel_agent.conversation import frame
from hotel_agent.conversation.context import Turn
from hotel_agent.conversation.schemas import ReplyOption
from hotel_agent.conversation.state import Goal, Offer, Stage, StaySlots
from hotel_agent.conversation.stay import DEFAULT_ADULTS, fill_defaults
from hotel_agent.nlu.choices import wants_cheapest
from hotel_agent.pms.errors import InvalidPmsRequestError, PmsUnavailableError
from hotel_agent.pms.schemas import MAX_STAY_NIGHTS, AvailabilityQuery, RoomOffer

MAX_OFFERS = 10


def stay_context(turn: Turn) -> dict[str, object]:
    stay = turn.state.stay
    nights = (stay.checkout - stay.checkin).days if stay.checkin and stay.checkout else None
    return {
        "checkin": stay.checkin,
        "checkout": stay.checkout,
        "nights": nights,
        "adults": stay.adults,
        "children": stay.children or 0,
        "assumed_nights": stay.assumed_nights,
        "assumed_adults": stay.assumed_adults,
    }


def _per_night(offer: RoomOffer) -> Decimal:
    nights = max(1, len(offer.nightly))
    return (offer.total / nights).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


async def search(
    turn: Turn, *, goal: Goal = Goal.AVAILABILITY, quiet_if: str | None = None, offer_requested: bool = False
) -> None:
    """Apply the message's dates and party, then show what is free (or ask for what is missing).

    `quiet_if`: a room type the guest already chose; when it is still free the list is not shown (the
    caller moves straight on with it).
    """
    state = turn.state
    if goal is Goal.BOOKING or state.goal is not Goal.BOOKING:
        state.goal = goal  # asking prices mid-booking keeps the booking going
    state.stay = frame.updated_stay(turn)
    if state.stay.checkin is None:
        state.stage = Stage.AWAITING_DATES
        turn.replies.say("availability.ask_dates", goal=state.goal.value)
        return
    state.stay = _fitting_defaults(turn, fill_defaults(state.stay))
    await show_offers(turn, quiet_if=quiet_if, offer_requested=offer_requested)


def _fitting_defaults(turn: Turn, stay: StaySlots) -> StaySlots:
    """ "single 2-3 feb for me": with no party said, a room type named for fewer guests sets the party."""
    if not stay.assumed_adults or stay.room_type is None or stay.children:
        return stay
    info = next((rt for rt in turn.room_types if rt.code == stay.room_type), None)
    if info is not None and not info.fits(stay.adults or DEFAULT_ADULTS, 0) and info.fits(1, 0):
        return stay.model_copy(update={"adults": 1})
    return stay


async def show_offers(turn: Turn, *, quiet_if: str | None = None, offer_requested: bool = False) -> None:
    state = turn.state
    stay = state.stay
    if stay.checkin is None or stay.checkout is None:
        state.stage = Stage.AWAITING_DATES
        turn.replies.say("availability.ask_dates", goal=state.goal.value)
        return
    if stay.checkin < turn.today:
        state.stage = Stage.AWAITING_DATES
        turn.replies.say("availability.past_dates", checkin=stay.checkin)
        return
    if (stay.checkout - stay.checkin).days > MAX_STAY_NIGHTS:
        state.stage = Stage.AWAITING_DATES
        turn.replies.say("availability.too_long", max_nights=MAX_STAY_NIGHTS)
        return
    try:
        query = AvailabilityQuery(
            checkin=stay.checkin,
            checkout=stay.checkout,
            adults=stay.adults or 1,
            children=stay.children or 0,
        )
    except ValidationError:
        state.stage = Stage.AWAITING_DATES
        turn.replies.say("availability.ask_dates", goal=state.goal.value)
        return
    try:
        result = await turn.pms.check_availability(query)
    except PmsUnavailableError:
        turn.replies.say("errors.pms_unavailable")
        return
    except InvalidPmsRequestError:
        turn.replies.say("availability.none", **stay_context(turn))
        return

    if not result.offers:
        fits_anyone = any(rt.fits(query.adults, query.children) for rt in turn.room_types)
        state.offers = []
        state.stage = Stage.AWAITING_DATES
        if not fits_anyone:
            turn.replies.say("availability.party_too_large", guests=query.adults + query.children)
        else:
            turn.replies.say("availability.none", **stay_context(turn))
        return

    offers = result.offers
    requested = stay.room_type
    if requested is not None and not any(o.room_type == requested for o in offers):
        turn.replies.say("availability.requested_type_unavailable", room_name=turn.room_name(requested))
        stay.room_type = None
    elif requested is not None:
        offers = [o for o in offers if o.room_type == requested] + [
            o for o in offers if o.room_type != requested
        ]

    state.offers = [
        Offer(
            index=index,
            room_type=offer.room_type,
            names=offer.names,
            total=offer.total,
            per_night=_per_night(offer),
            nights=len(offer.nightly),
            currency=offer.currency,
            rooms_left=offer.rooms_left,
        )
        for index, offer in enumerate(offers[:MAX_OFFERS], start=1)
    ]
    lines = [
        {
            "index": offer.index,
            "name": offer.names.get(turn.language) or offer.names.get("en") or offer.room_type,
            "per_night": offer.per_night,
            "total": offer.total,
            "currency": offer.currency,
            "rooms_left": offer.rooms_left,
        }
        for offer in state.offers
    ]
    state.stage = Stage.AWAITING_ROOM_CHOICE
    state.proposed_room_type = None
    if quiet_if is not None and any(offer.room_type == quiet_if for offer in state.offers):
        return
    if requested is None and wants_cheapest(turn.message.text):
        # "whats the cheapest?": name it and offer it, the list stays for "number 2".
        propose(turn, min(state.offers, key=lambda offer: (offer.total, offer.index)))
        return
    named = turn.parsed.entities.room_type == requested or offer_requested
    if requested is not None and named and state.offers[0].room_type == requested:
        # "got a twin for feb 9 to 11?": offer that room, as a receptionist would, not the whole list.
        first = state.offers[0]
        state.proposed_room_type = first.room_type
        turn.replies.ask_yes_no(
            "availability.requested_type_available",
            room_name=turn.room_name(first.room_type),
            per_night=first.per_night,
            total=first.total,
            currency=first.currency,
            rooms_left=first.rooms_left,
            others=len(state.offers) - 1,
            **stay_context(turn),
        )
        return
    options = [
        ReplyOption(
            id=f"room:{line['room_type']}",
            title=str(line["name"]),
            description=turn.replies.render(
                "availability.option_description", total=line["total"], currency=line["currency"]
            ),
        )
        for line in (
            {**line, "room_type": offer.room_type} for line, offer in zip(lines, state.offers, strict=True)
        )
    ]
    turn.replies.offer_choices(
        "availability.success",
        options,
        "availability.list_button",
        offers=lines,
        currency=result.currency,
        booking=state.goal is Goal.BOOKING,
        **stay_context(turn),
    )


def propose(turn: Turn, offer: Offer) -> None:
    """Name one room with its price and ask yes/no; a yes (or the guest's details) takes it."""
    turn.state.proposed_room_type = offer.room_type
    turn.replies.ask_yes_no(
        "booking.offer_details",
        room_name=turn.room_name(offer.room_type),
        per_night=offer.per_night,
        total=offer.total,
        nights=offer.nights,
        currency=offer.currency,
        rooms_left=offer.rooms_left,
    )
