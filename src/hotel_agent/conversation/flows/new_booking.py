"""A new booking: choose an offered room -> name and email -> summary -> explicit yes -> PMS -> reference."""

from __future__ import annotations

from pydantic import ValidationError

from hotel_agent.conversation.context import Turn
from hotel_agent.conversation.flows import availability
from hotel_agent.conversation.state import Goal, Offer, Stage
from hotel_agent.conversation.stay import mentions_stay
from hotel_agent.nlu.choices import name_words, option_number
from hotel_agent.nlu.entities import extract_name_reply
from hotel_agent.pms.errors import InvalidPmsRequestError, NoAvailabilityError, PmsUnavailableError
from hotel_agent.pms.schemas import BookingRequest, GuestDetails, normalize_phone

QUESTION_INTENTS = frozenset({"price_inquiry", "check_availability", "hotel_info"})


async def start(turn: Turn) -> None:
    """The guest wants to book: pick up a room they named, else search or show the offers again."""
    state = turn.state
    state.goal = Goal.BOOKING
    entities = turn.parsed.entities
    if state.offers and not _changes_stay(turn) and entities.room_type is not None:
        offer = _offer_for_type(turn, entities.room_type)
        if offer is not None:
            await select(turn, offer)
            return
    if state.offers and not _changes_stay(turn):
        state.stage = Stage.AWAITING_ROOM_CHOICE
        turn.replies.say("booking.which_room", count=len(state.offers))
        return
    await availability.search(turn, goal=Goal.BOOKING, quiet_if=entities.room_type)
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
        or (entities.nights is not None)
        or (entities.adults is not None and entities.adults != stay.adults)
        or (entities.children is not None and entities.children != stay.children)
    )


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


async def choose_room(turn: Turn) -> bool:
    """In the room-choice stage: a number, a room name or a tapped option picks an offer."""
    state = turn.state
    message = turn.message
    offer: Offer | None = None
    if message.choice_id == "yes" and state.proposed_room_type is not None:
        offer = _offer_for_type(turn, state.proposed_room_type)
    elif message.choice_id and message.choice_id.startswith("room:"):
        offer = _offer_for_type(turn, message.choice_id.removeprefix("room:"))
    elif turn.parsed.entities.room_type is not None and not _changes_stay(turn):
        offer = _offer_for_type(turn, turn.parsed.entities.room_type)
        if offer is not None and turn.intent in QUESTION_INTENTS:
            # "how much is the suite?" asks; it does not choose yet.
            state.proposed_room_type = offer.room_type
            turn.replies.ask_yes_no(
                "booking.offer_details",
                room_name=turn.room_name(offer.room_type),
                per_night=offer.per_night,
                total=offer.total,
                nights=offer.nights,
                currency=offer.currency,
                rooms_left=offer.rooms_left,
            )
            return True
        if offer is None:
            turn.replies.say(
                "availability.requested_type_unavailable",
                room_name=turn.room_name(turn.parsed.entities.room_type),
            )
            turn.replies.say("booking.which_room", count=len(state.offers))
            return True
    elif not _changes_stay(turn):
        # "we are 4" is a party size, not option 4.
        number = option_number(message.text, len(state.offers))
        offer = state.offers[number - 1] if number is not None else _offer_named(turn)
        if offer is None and turn.intent == "affirm":
            if state.proposed_room_type is not None:
                offer = _offer_for_type(turn, state.proposed_room_type)  # yes to "shall I book it?"
            elif len(state.offers) == 1:
                offer = state.offers[0]  # "yes" to the only room offered
    if offer is None:
        return False
    await select(turn, offer)
    return True


async def select(turn: Turn, offer: Offer) -> None:
    """The guest chose `offer`: ask for what the booking still needs (name, email) or summarize."""
    state = turn.state
    state.goal = Goal.BOOKING
    state.selected_room_type = offer.room_type
    state.proposed_room_type = None
    _take_guest_details(turn)
    await _ask_next(turn, chosen=offer)


def _take_guest_details(turn: Turn) -> None:
    entities = turn.parsed.entities
    guest = turn.state.guest
    if entities.email:
        guest.email = entities.email.lower()
    if entities.phone:
        guest.phone = _valid_phone(entities.phone, turn.hotel.country) or guest.phone
    if entities.name:
        guest.name = entities.name
    if guest.phone is None and turn.message.sender_phone:
        guest.phone = _valid_phone(turn.message.sender_phone, turn.hotel.country)


def _valid_phone(raw: str, country: str) -> str | None:
    """E.164, or None for a number libphonenumber rejects (a booking must not fail on it as a bad email)."""
    try:
        return normalize_phone(raw, default_region=country or None)
    except ValueError:
        return None


def ask_guest_details_again(turn: Turn) -> None:
    guest = turn.state.guest
    turn.replies.say(
        "booking.ask_guest_details",
        room_name=turn.room_name(turn.state.selected_room_type or ""),
        just_chosen=False,
        need_name=guest.name is None,
        need_email=guest.email is None,
        name=guest.name,
    )


async def _ask_next(turn: Turn, *, chosen: Offer | None = None) -> None:
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
        **availability.stay_context(turn),
    )


async def collect_guest_details(turn: Turn) -> bool:
    """In the details stage: take a name and/or email from the reply; False when it holds neither."""
    state = turn.state
    before = (state.guest.name, state.guest.email)
    _take_guest_details(turn)
    entities = turn.parsed.entities
    if state.guest.name is None and not entities.name:
        # We just asked for it, so a bare "Ana Souza, ana@example.com" is read as the name.
        state.guest.name = extract_name_reply(turn.message.text)
    if (state.guest.name, state.guest.email) == before:
        if "@" in turn.message.text:
            turn.replies.say("booking.invalid_email")
            return True
        return False
    await _ask_next(turn)
    return True


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
    """In the summary stage: yes books, no stops, a correction re-quotes."""
    state = turn.state
    if turn.intent == "affirm" or turn.message.choice_id == "yes":
        await confirm(turn)
        return True
    if mentions_stay(turn.parsed.entities) and _changes_stay(turn):
        # "no, from the 16th": re-quote the chosen room; only list alternatives if it is gone.
        room_type = state.selected_room_type
        await availability.search(turn, goal=Goal.BOOKING, quiet_if=room_type)
        offer = _offer_for_type(turn, room_type or "") if state.stage is Stage.AWAITING_ROOM_CHOICE else None
        if offer is not None:
            await select(turn, offer)
        return True
    if turn.intent == "deny" or turn.message.choice_id == "no":
        state.stage = Stage.IDLE
        turn.replies.say("booking.declined")
        return True
    return False
