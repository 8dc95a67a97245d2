"""An existing booking: status lookup, cancellation and modification, each starting from a reference."""

from __future__ import annotations

from datetime import date, timedelta

from pydantic import ValidationError

from hotel_agent.conversation import frame, yes_no
from hotel_agent.conversation.context import Turn
from hotel_agent.conversation.state import Goal, Stage, StaySlots
from hotel_agent.conversation.stay import mentions_stay, merge_stay
from hotel_agent.nlu.answers import Answer, hedges, keeps_it
from hotel_agent.nlu.choices import has_negation, name_words
from hotel_agent.pms.errors import (
    BookingAlreadyCancelledError,
    BookingNotFoundError,
    InvalidPmsRequestError,
    NoAvailabilityError,
    PmsRequestError,
    PmsUnavailableError,
)
from hotel_agent.pms.schemas import Booking, BookingChange, BookingStatus


def booking_context(turn: Turn, booking: Booking) -> dict[str, object]:
    return {
        "reference": booking.reference,
        "status": booking.status.value,
        "room_name": booking.room_type_name(turn.language),
        "checkin": booking.checkin,
        "checkout": booking.checkout,
        "nights": booking.nights,
        "adults": booking.adults,
        "children": booking.children,
        "total": booking.total,
        "currency": booking.currency,
        "guest_name": booking.guest_name,
    }


async def start(turn: Turn, goal: Goal) -> None:
    """Status, cancel or modify: find the reference (said now, or this conversation's last booking)."""
    state = turn.state
    state.goal = goal
    state.pending_change = None
    reference = turn.parsed.entities.booking_ref or (state.booking_refs[-1] if state.booking_refs else None)
    if reference is None:
        state.stage = Stage.AWAITING_REFERENCE
        turn.replies.say("bookings.ask_reference", goal=goal.value)
        return
    await _continue_with(turn, reference)


async def reference_given(turn: Turn) -> bool:
    reference = turn.parsed.entities.booking_ref
    if reference is None:
        return False
    await _continue_with(turn, reference)
    return True


async def _fetch(turn: Turn, reference: str) -> Booking | None:
    try:
        return await turn.pms.get_booking(reference)
    except BookingNotFoundError:
        turn.state.stage = Stage.AWAITING_REFERENCE
        turn.replies.say("bookings.not_found", reference=reference)
    except PmsUnavailableError:
        turn.replies.say("errors.pms_unavailable")
    return None


async def _continue_with(turn: Turn, reference: str) -> None:
    state = turn.state
    booking = await _fetch(turn, reference)
    if booking is None:
        return
    state.remember_reference(booking.reference)
    if state.goal is Goal.CANCEL:
        _ask_cancel(turn, booking)
    elif state.goal is Goal.MODIFY:
        await _modify_requested(turn, booking)
    else:
        state.reset_flow()
        turn.replies.say("status.details", **booking_context(turn, booking))


def _ask_cancel(turn: Turn, booking: Booking) -> None:
    state = turn.state
    if booking.status is BookingStatus.CANCELLED:
        state.reset_flow()
        turn.replies.say("cancel.already_cancelled", **booking_context(turn, booking))
        return
    state.stage = Stage.AWAITING_CANCEL_CONFIRMATION
    turn.replies.ask_yes_no("cancel.confirm", **booking_context(turn, booking))


def _same_booking(turn: Turn) -> bool:
    reference = turn.parsed.entities.booking_ref
    return reference is None or reference == turn.state.active_ref


def confirms_cancel(turn: Turn) -> bool:
    """Asked "shall I cancel it?", a cancel request for the same booking is the yes ("yes, cancel it")."""
    text = turn.message.text
    return (
        turn.intent == "cancel_reservation"
        and _same_booking(turn)
        and not has_negation(text)
        and not keeps_it(text)
        and not hedges(text)
    )


def confirms_modify(turn: Turn) -> bool:
    """Asked to confirm a change, "yes, change it" (a modify request with no new details) is the yes."""
    return (
        turn.intent == "modify_reservation"
        and _same_booking(turn)
        and not mentions_stay(turn.parsed.entities)
        and not has_negation(turn.message.text)
        and not keeps_it(turn.message.text)
        and not hedges(turn.message.text)
    )


# Messages that are meant as an answer to the question on screen; when they give neither yes nor no,
# the question is asked again instead of being left behind.
_ANSWER_LIKE = frozenset({"affirm", "deny", "thanks"})
_UNSURE_BELOW = 0.45


def _unclear_answer(turn: Turn) -> bool:
    return turn.intent in _ANSWER_LIKE or turn.parsed.confidence < _UNSURE_BELOW


async def handle_cancel_confirmation(turn: Turn) -> bool:
    state = turn.state
    reference = state.active_ref
    if reference is None or not _same_booking(turn):
        return False
    reply = yes_no.answer(turn, request_intent="cancel_reservation")
    if reply is Answer.NO:
        # "no, la mantengo", "deixa", "leave it": nothing is cancelled that the guest did not confirm.
        state.reset_flow()
        turn.replies.say("cancel.kept", reference=reference)
        return True
    if reply is Answer.YES or confirms_cancel(turn):
        try:
            booking = await turn.pms.cancel_booking(reference)
        except BookingAlreadyCancelledError:
            state.reset_flow()
            turn.replies.say("cancel.already_cancelled", reference=reference)
            return True
        except BookingNotFoundError:
            state.reset_flow()
            turn.replies.say("bookings.not_found", reference=reference)
            return True
        except PmsUnavailableError:
            turn.replies.say("errors.pms_unavailable")
            return True
        turn.cancelled(reference)
        state.reset_flow()
        turn.replies.say("cancel.done", **booking_context(turn, booking))
        return True
    if _unclear_answer(turn):
        # A yes the words do not bear out ("hmm ok maybe"): ask again, with the buttons.
        current = await _fetch(turn, reference)
        if current is not None:
            _ask_cancel(turn, current)
        return True
    return False


def _change_from_message(turn: Turn, booking: Booking) -> BookingChange | None:
    """The booking as the guest now wants it: the change drafted so far plus what this message adds.

    A day said alone is read next to the booking ("leave on the 5th" of a stay from 1 March: 5 March).
    """
    draft = turn.state.pending_change or BookingChange()
    try:
        drafted = draft.applied_to(booking)
    except ValueError:
        drafted = booking.stay
    entities = frame.stay_entities(turn, drafted.checkin)
    added = frame.extra_nights(turn.message.text)
    if added is not None and entities.checkin is None:
        # "can we add one more night?": the departure moves, the arrival stays.
        entities = entities.model_copy(
            update={"nights": None, "checkout": drafted.checkout + timedelta(days=added)}
        )
    current = StaySlots(
        checkin=drafted.checkin,
        checkout=drafted.checkout,
        adults=drafted.adults,
        children=drafted.children,
        room_type=drafted.room_type,
    )
    if entities.room_type is None and turn.state.pending_change is not None:
        # "ok, então o família" to "which room would you like?": a room type by a word of its name.
        named = _room_type_named(turn)
        if named is not None:
            entities = entities.model_copy(update={"room_type": named})
    wanted = merge_stay(current, entities)
    if entities.checkin is not None and entities.checkout is None and entities.nights is None:
        if frame.arrival_only(turn) and entities.checkin < drafted.checkout:
            wanted.checkout = drafted.checkout  # "we'll arrive on the 2nd instead": the departure stays
        else:
            # A new date on its own moves the stay and keeps its length.
            wanted.checkout = date.fromordinal(entities.checkin.toordinal() + booking.nights)
    if entities.adults is None and entities.children is None:
        wanted.adults, wanted.children = current.adults, current.children
    change = BookingChange(
        checkin=wanted.checkin if wanted.checkin != booking.checkin else None,
        checkout=wanted.checkout if wanted.checkout != booking.checkout else None,
        adults=wanted.adults if wanted.adults != booking.adults else None,
        children=wanted.children if wanted.children != booking.children else None,
        room_type=wanted.room_type if wanted.room_type != booking.room_type else None,
    )
    return None if change.model_dump(exclude_none=True) == {} else change


def _room_type_named(turn: Turn) -> str | None:
    words = {rt.code: name_words(rt.names.values()) for rt in turn.room_types}
    shared = set.intersection(*words.values()) if len(words) > 1 else set()
    said = set(name_words([turn.message.text]))
    matches = [code for code, names in words.items() if (names - shared) & said]
    return matches[0] if len(matches) == 1 else None


async def _modify_requested(turn: Turn, booking: Booking) -> None:
    state = turn.state
    if booking.status is BookingStatus.CANCELLED:
        state.reset_flow()
        turn.replies.say("modify.booking_cancelled", **booking_context(turn, booking))
        return
    change = _change_from_message(turn, booking)
    if change is None:
        state.stage = Stage.AWAITING_MODIFICATION
        turn.replies.say("modify.ask_changes", **booking_context(turn, booking))
        return
    await _quote(turn, booking, change)


async def changes_given(turn: Turn) -> bool:
    """In the modification stage: dates, party or room type in the reply become the pending change."""
    state = turn.state
    if state.active_ref is None:
        return False
    booking = await _fetch(turn, state.active_ref)
    if booking is None:
        return True
    change = _change_from_message(turn, booking)
    if change is None:
        return False
    await _quote(turn, booking, change)
    return True


async def _quote(turn: Turn, booking: Booking, change: BookingChange) -> None:
    state = turn.state
    try:
        stay = change.applied_to(booking)
    except ValueError:
        state.stage = Stage.AWAITING_MODIFICATION
        turn.replies.say("modify.invalid", **booking_context(turn, booking))
        return
    checkin, checkout = stay.checkin, stay.checkout
    if checkin < turn.today:
        state.stage = Stage.AWAITING_MODIFICATION
        turn.replies.say("availability.past_dates", checkin=checkin)
        return
    room_type, adults, children = stay.room_type, stay.adults, stay.children
    info = next((rt for rt in turn.room_types if rt.code == room_type), None)
    if info is not None and not info.fits(adults, children):
        # Say which room types would take the new party, so the guest can switch in the same breath.
        fitting = [rt.name_in(turn.language) for rt in turn.room_types if rt.fits(adults, children)]
        state.pending_change = change  # kept as a draft: "the family room" completes it
        state.stage = Stage.AWAITING_MODIFICATION
        turn.replies.say(
            "modify.does_not_fit",
            room_name=info.name_in(turn.language),
            guests=adults + children,
            adults=adults,
            children=children,
            alternatives=fitting,
            reference=booking.reference,
        )
        return
    try:
        result = await turn.pms.check_availability(stay.availability_query())
        offer = next((o for o in result.offers if o.room_type == room_type), None)
        quoted_total = offer.total if offer is not None else None
    except (ValidationError, InvalidPmsRequestError):
        state.stage = Stage.AWAITING_MODIFICATION
        turn.replies.say("modify.invalid", **booking_context(turn, booking))
        return
    except PmsUnavailableError:
        turn.replies.say("errors.pms_unavailable")
        return
    state.pending_change = change
    state.stage = Stage.AWAITING_MODIFY_CONFIRMATION
    turn.replies.ask_yes_no(
        "modify.confirm",
        new_checkin=checkin,
        new_checkout=checkout,
        new_nights=(checkout - checkin).days,
        new_adults=adults,
        new_children=children,
        new_room_name=turn.room_name(room_type),
        new_total=quoted_total,
        **booking_context(turn, booking),
    )


async def handle_modify_confirmation(turn: Turn) -> bool:
    state = turn.state
    reference, change = state.active_ref, state.pending_change
    if reference is None or change is None or not _same_booking(turn):
        return False
    reply = yes_no.answer(turn, request_intent="modify_reservation")
    if turn.message.choice_id is None and mentions_stay(turn.parsed.entities):
        # "no, better the 16th" at the change's summary: that correction, quoted again.
        booking = await _fetch(turn, reference)
        if booking is None:
            return True
        wanted = _change_from_message(turn, booking)
        if wanted is not None and wanted != change:
            await _quote(turn, booking, wanted)
            return True
    if reply is Answer.NO:
        state.reset_flow()
        turn.replies.say("modify.kept", reference=reference)
        return True
    if reply is Answer.YES or confirms_modify(turn):
        try:
            booking = await turn.pms.modify_booking(reference, change)
        except NoAvailabilityError:
            state.reset_flow()
            turn.replies.say("modify.unavailable", reference=reference)
            return True
        except PmsRequestError:
            state.reset_flow()
            turn.replies.say("modify.failed", reference=reference)
            return True
        except PmsUnavailableError:
            turn.replies.say("errors.pms_unavailable")
            return True
        state.reset_flow()
        turn.replies.say("modify.done", **booking_context(turn, booking))
        return True
    if _unclear_answer(turn):
        booking = await _fetch(turn, reference)
        if booking is not None:
            await _quote(turn, booking, change)
        return True
    return False
