"""A new booking: the frame's room -> name, email (phone) -> summary -> explicit yes -> PMS -> reference."""

from __future__ import annotations

from pydantic import ValidationError

from hotel_agent.conversation import frame, yes_no
from hotel_agent.conversation.context import Turn
from hotel_agent.conversation.flows import availability
from hotel_agent.conversation.state import Goal, Offer, Stage
from hotel_agent.nlu.answers import Answer, hedges
from hotel_agent.nlu.choices import (
    asks_price,
    has_negation,
    name_words,
    option_in_sentence,
    takes_it,
    wants_cheapest,
)
from hotel_agent.pms.errors import (
    GuestPhoneRejectedError,
    InvalidPmsRequestError,
    NoAvailabilityError,
    PmsUnavailableError,
)
from hotel_agent.pms.schemas import BookingRequest, GuestDetails

QUESTION_INTENTS = frozenset({"price_inquiry", "check_availability", "hotel_info"})
# Below this an answer at the summary that is neither yes nor no shows the summary again.
UNSURE_BELOW = 0.45


async def start(turn: Turn) -> None:
    """The guest wants to book: take what the message says into the frame, then ask for what is missing."""
    state = turn.state
    state.goal = Goal.BOOKING
    frame.take_guest_details(turn)
    if state.offers and not _changes_stay(turn):
        offer = _picked(turn) or _default_offer(turn)
        if offer is not None:
            await select(turn, offer)
            return
        state.stage = Stage.AWAITING_ROOM_CHOICE
        turn.replies.say("booking.which_room", count=len(state.offers))
        return
    wanted = turn.parsed.entities.room_type or state.stay.room_type
    if state.stage is Stage.AWAITING_GUEST_DETAILS and state.selected_room_type and _changes_stay(turn):
        # "leaving the 23rd" after the room was chosen: that room at the new dates, with its new price.
        state.stay.room_type = turn.parsed.entities.room_type or state.selected_room_type
        await availability.search(turn, goal=Goal.BOOKING, offer_requested=True)
        return
    await availability.search(turn, goal=Goal.BOOKING, quiet_if=wanted)
    if state.stage is Stage.AWAITING_ROOM_CHOICE and state.stay.room_type is not None:
        offer = _offer_for_type(turn, state.stay.room_type)
        if offer is not None:
            await select(turn, offer)


def _changes_stay(turn: Turn) -> bool:
    entities = turn.parsed.entities
    stay = turn.state.stay
    return (
        (entities.checkin is not None and entities.checkin != stay.checkin)
        or (entities.checkout is not None and entities.checkout != stay.checkout)
        or (entities.nights is not None and entities.nights != _nights(turn))
        or (entities.adults is not None and entities.adults != stay.adults)
        or (entities.children is not None and entities.children != stay.children)
        or bool(entities.child_ages and entities.child_ages != stay.child_ages)
    )


def _nights(turn: Turn) -> int | None:
    stay = turn.state.stay
    return (stay.checkout - stay.checkin).days if stay.checkin and stay.checkout else None


def _offer_named(turn: Turn) -> Offer | None:
    """The one offer whose distinctive name words the message uses ("o familia" -> Quarto Familia)."""
    offers = turn.state.offers
    words = {offer.room_type: name_words(offer.names.values()) for offer in offers}
    shared = set.intersection(*words.values()) if len(words) > 1 else set()
    said = set(name_words([turn.message.text]))
    matches = [offer for offer in offers if (words[offer.room_type] - shared) & said]
    return matches[0] if len(matches) == 1 else None


def _offer_for_type(turn: Turn, room_type: str) -> Offer | None:
    return next((offer for offer in turn.state.offers if offer.room_type == room_type), None)


def _picked(turn: Turn) -> Offer | None:
    """The offer the message names: a tapped row, the room type, its number or ordinal, "the cheapest"."""
    state = turn.state
    message = turn.message
    if message.choice_id and message.choice_id.startswith("room:"):
        return _offer_for_type(turn, message.choice_id.removeprefix("room:"))
    if turn.parsed.entities.room_type is not None:
        return _offer_for_type(turn, turn.parsed.entities.room_type)
    if _changes_stay(turn) or not state.offers:
        return None  # "we are 4" is a party size, not option 4
    number = option_in_sentence(message.text, len(state.offers))
    if number is not None:
        return state.offers[number - 1]
    if wants_cheapest(message.text):
        return min(state.offers, key=lambda offer: (offer.total, offer.index))
    return _offer_named(turn)


def _default_offer(turn: Turn) -> Offer | None:
    """The room a yes or the guest's details go with: the one proposed, the type asked for, the only one."""
    state = turn.state
    for room_type in (state.proposed_room_type, state.stay.room_type):
        if room_type is not None and (offer := _offer_for_type(turn, room_type)) is not None:
            return offer
    return state.offers[0] if len(state.offers) == 1 else None


async def choose_room(turn: Turn) -> bool:
    """In the room-choice stage: a number, a name, "the cheapest", a tap, or a yes / the guest's details
    for the room proposed (or the only one) pick an offer; details given before the choice are kept."""
    state = turn.state
    message = turn.message
    entities = turn.parsed.entities
    # Offering one room we asked for the guest's name and email, so a bare name answers it; and a name
    # beside an email or phone ("Tom Hanks tom@x.com") is the guest's details whatever we asked.
    name_asked = state.proposed_room_type is not None or bool(entities.email or entities.phone)
    details = frame.take_guest_details(turn, name_asked=name_asked)
    if message.choice_id == "yes" and state.proposed_room_type is not None:
        offer = _offer_for_type(turn, state.proposed_room_type)
    elif entities.room_type is not None and not _changes_stay(turn):
        offer = _offer_for_type(turn, entities.room_type)
        if offer is None:
            turn.replies.say(
                "availability.requested_type_unavailable", room_name=turn.room_name(entities.room_type)
            )
            turn.replies.say("booking.which_room", count=len(state.offers))
            return True
        if turn.intent == "check_availability" or (
            turn.intent in QUESTION_INTENTS and asks_price(message.text)
        ):
            availability.propose(turn, offer)  # "how much is the suite?" asks; it does not choose yet
            return True
    else:
        offer = _picked(turn)
        wants_it = details or turn.intent in {"affirm", "make_reservation"} or takes_it(message.text)
        if offer is None and wants_it and not _changes_stay(turn):
            offer = _default_offer(turn)
    if offer is None:
        if details:
            turn.replies.say("booking.which_room", count=len(state.offers))
            return True
        return False
    await select(turn, offer)
    return True


async def select(turn: Turn, offer: Offer) -> None:
    """The guest chose `offer`: ask for what the booking still needs (name, email, phone) or summarize."""
    state = turn.state
    state.goal = Goal.BOOKING
    state.selected_room_type = offer.room_type
    state.proposed_room_type = None
    frame.take_guest_details(turn)
    await _ask_next(turn, chosen=offer)


def ask_guest_details_again(turn: Turn) -> None:
    guest = turn.state.guest
    if guest.name is not None and guest.email is not None and frame.needs_phone(turn):
        turn.replies.say("booking.ask_phone", name=guest.name, invalid=False)
        return
    turn.replies.say(
        "booking.ask_guest_details",
        room_name=turn.room_name(turn.state.selected_room_type or ""),
        just_chosen=False,
        need_name=guest.name is None,
        need_email=guest.email is None,
        name=guest.name,
    )


async def _ask_next(turn: Turn, *, chosen: Offer | None = None) -> None:
    """A receptionist's order: name and email, then a phone when the PMS needs one, then the summary."""
    state = turn.state
    guest = state.guest
    room_name = turn.room_name(state.selected_room_type or "")
    if guest.name is None or guest.email is None:
        state.stage = Stage.AWAITING_GUEST_DETAILS
        turn.replies.say(
            "booking.ask_guest_details",
            room_name=room_name,
            just_chosen=chosen is not None,
            need_name=guest.name is None,
            need_email=guest.email is None,
            name=guest.name,
        )
        return
    if frame.needs_phone(turn):
        state.stage = Stage.AWAITING_GUEST_DETAILS
        turn.replies.say("booking.ask_phone", name=guest.name, invalid=frame.gave_invalid_phone(turn))
        return
    summarize(turn)


def summarize(turn: Turn) -> None:
    state = turn.state
    offer = _offer_for_type(turn, state.selected_room_type or "")
    assert offer is not None
    state.stage = Stage.AWAITING_BOOKING_CONFIRMATION
    turn.replies.ask_yes_no(
        "booking.summary",
        room_name=turn.room_name(offer.room_type),
        total=offer.total,
        per_night=offer.per_night,
        currency=offer.currency,
        name=state.guest.name,
        email=state.guest.email,
        phone=state.guest.phone,
        child_ages=state.stay.child_ages[: state.stay.children or 0],
        **availability.stay_context(turn),
    )


async def collect_guest_details(turn: Turn) -> bool:
    """In the details stage: the name, email and/or phone from the reply; False when it holds none."""
    state = turn.state
    if frame.take_guest_details(turn, name_asked=state.guest.name is None):
        await _ask_next(turn)
        return True
    if "@" in turn.message.text and turn.parsed.entities.email is None:
        turn.replies.say("booking.invalid_email")
        return True
    asking_phone = state.guest.name is not None and state.guest.email is not None and frame.needs_phone(turn)
    if asking_phone and frame.gave_invalid_phone(turn):
        state.guest.phone_skipped = True
        if frame.needs_phone(turn):
            turn.replies.say("booking.ask_phone", name=state.guest.name, invalid=True)
        else:
            await _ask_next(turn)  # the embedded PMS books without it: do not hold the guest up
        return True
    if asking_phone and turn.intent == "deny" and not turn.pms.requires_guest_phone:
        state.guest.phone_skipped = True  # "I'd rather not"
        await _ask_next(turn)
        return True
    return False


async def confirm(turn: Turn) -> None:
    """The guest said yes to the summary: book in the PMS, idempotently on the inbound message."""
    state = turn.state
    offer = _offer_for_type(turn, state.selected_room_type or "")
    stay = state.stay
    if offer is None or stay.checkin is None or stay.checkout is None or state.guest.email is None:
        state.reset_flow()
        turn.replies.say("errors.generic")
        return
    try:
        request = BookingRequest(
            room_type=offer.room_type,
            checkin=stay.checkin,
            checkout=stay.checkout,
            adults=stay.adults or 1,
            children=stay.children or 0,
            guest=GuestDetails(name=state.guest.name or "", email=state.guest.email, phone=state.guest.phone),
            idempotency_key=turn.idempotency_key("booking"),
        )
    except ValidationError:
        state.guest.email = None
        state.stage = Stage.AWAITING_GUEST_DETAILS
        turn.replies.say("booking.invalid_email")
        return
    try:
        booking = await turn.pms.create_booking(request)
    except NoAvailabilityError:
        turn.replies.say("booking.no_longer_available", room_name=turn.room_name(offer.room_type))
        await availability.show_offers(turn)
        return
    except GuestPhoneRejectedError:
        state.guest.phone = None
        state.stage = Stage.AWAITING_GUEST_DETAILS
        turn.replies.say("booking.ask_phone", name=state.guest.name, invalid=True)
        return
    except InvalidPmsRequestError:
        state.reset_flow()
        turn.replies.say("booking.failed")
        return
    except PmsUnavailableError:
        turn.replies.say("errors.pms_unavailable")
        return
    state.remember_reference(booking.reference)
    turn.converted(booking.reference)
    state.offers = []
    state.selected_room_type = None
    state.reset_flow()
    turn.replies.say(
        "booking.confirmed",
        reference=booking.reference,
        room_name=booking.room_type_name(turn.language),
        checkin=booking.checkin,
        checkout=booking.checkout,
        nights=booking.nights,
        adults=booking.adults,
        children=booking.children,
        total=booking.total,
        currency=booking.currency,
        email=booking.guest_email,
        hotel_name=turn.hotel.name,
        checkin_time=turn.hotel.checkin_time,
    )


async def handle_confirmation(turn: Turn) -> bool:
    """In the summary stage: a plain yes books exactly the summary; a correction (with or without "no")
    changes only the slot it names and shows the summary again; a plain no books nothing."""
    state = turn.state
    reply = yes_no.answer(turn, request_intent="make_reservation")
    said_yes = reply is Answer.YES or (
        # "resérvala porfa": a booking request for the summary on screen is its yes
        reply is None
        and turn.intent == "make_reservation"
        and not has_negation(turn.message.text)
        and not hedges(turn.message.text)
    )
    wanted = turn.parsed.entities.room_type
    if turn.message.choice_id is None and wanted is not None and wanted != state.selected_room_type:
        # "afinal prefiro o twin, pode ser?": the other room, summarized again (never booked on that yes).
        frame.take_guest_details(turn)
        offer = _offer_for_type(turn, wanted) if not _changes_stay(turn) else None
        if offer is not None:
            state.stay.room_type = wanted
            await select(turn, offer)
            return True
        if not _changes_stay(turn):
            turn.replies.say("availability.requested_type_unavailable", room_name=turn.room_name(wanted))
            summarize(turn)
            return True
    if turn.message.choice_id is None and _changes_stay(turn):
        # "no, we leave on the 22nd": re-quote the chosen room; only list alternatives if it is gone.
        room_type = state.selected_room_type
        await availability.search(turn, goal=Goal.BOOKING, quiet_if=room_type)
        offer = _offer_for_type(turn, room_type or "") if state.stage is Stage.AWAITING_ROOM_CHOICE else None
        if offer is not None:
            await select(turn, offer)
        return True
    if turn.message.choice_id is None and frame.take_guest_details(turn):
        await _ask_next(turn)  # "the email is ana@x.com": the same summary with the new details
        return True
    if said_yes:
        await confirm(turn)
        return True
    if reply is Answer.NO:
        state.stage = Stage.IDLE
        turn.replies.say("booking.declined")
        return True
    if turn.intent in {"affirm", "deny", "thanks"} or turn.parsed.confidence < UNSURE_BELOW:
        summarize(turn)  # neither a yes nor a no: the same summary and its buttons again
        return True
    return False
