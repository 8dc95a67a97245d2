"""Run test conversations through a driver and judge them: turn by turn, then the PMS afterwards.

A conversation passes when every turn shows what it expects and the PMS holds exactly the effects it
expects: the one booking it should have made (or none), and the given bookings cancelled, changed or
untouched. The report keeps the first divergence of each failed conversation.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from hotel_agent.conversation.testing.drivers import Driver, DriverError, Observation
from hotel_agent.conversation.testing.schemas import (
    BookingFields,
    GivenBooking,
    GuestTurn,
    TestConversation,
    TurnExpectation,
)
from hotel_agent.pms.base import PmsAdapter
from hotel_agent.pms.errors import PmsError
from hotel_agent.pms.schemas import Booking, BookingRequest, GuestDetails

_PLACEHOLDER = re.compile(r"\{(\w+)\}")


@dataclass
class Divergence:
    turn: int | None  # 1-based guest turn; None for the PMS check after the conversation
    what: str
    guest: str | None = None
    bot: list[str] = field(default_factory=list)


@dataclass
class Outcome:
    name: str
    language: str | None
    flow: str | None
    passed: bool
    skipped: str | None = None
    divergence: Divergence | None = None
    # A booking the conversation made that differs from what the guest asked (or that was not asked for).
    wrong_booking: bool = False
    unchecked: list[str] = field(default_factory=list)
    made: list[str] = field(default_factory=list)


class PmsControl:
    """Takes the PMS down and brings it back for outage scenarios; None-capable per deployment."""

    def __init__(self, down: Callable[[], Awaitable[None]], up: Callable[[], Awaitable[None]]) -> None:
        self.down = down
        self.up = up


@dataclass
class RunOptions:
    driver: Driver
    # Reads (and, for `given` bookings, writes) the PMS the deployment uses; None: effects not checked.
    pms: PmsAdapter | None
    pms_control: PmsControl | None = None
    default_now: datetime | None = None
    # WhatsApp needs digits as the conversation id.
    numeric_ids: bool = False
    # Conversation ids already made by this run's `state` (in process): extra references to check.
    known_references: Callable[[str], Awaitable[list[str]]] | None = None
    # After each conversation: cancel what it booked, so later conversations find the same hotel.
    clean_up: bool = False
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:8])


def _conversation_id(options: RunOptions, index: int) -> str:
    if options.numeric_ids:
        return f"99{int(options.run_id, 16) % 10**6:06d}{index:04d}"
    return f"ct-{options.run_id}-{index:04d}"


def _fill(text: str, refs: dict[str, str]) -> str:
    def sub(match: re.Match[str]) -> str:
        return refs.get(match.group(1), match.group(0))

    return _PLACEHOLDER.sub(sub, text)


def check_turn(expect: TurnExpectation, seen: Observation) -> tuple[str | None, list[str]]:
    """The first unmet expectation (None if all hold) and the expectations the channel cannot show."""
    unchecked: list[str] = []
    if seen.keys is None:
        if expect.replies or expect.not_replies:
            unchecked.append("reply keys")
    else:
        missing = [key for key in expect.replies if key not in seen.keys]
        if missing:
            return f"expected replies {missing}, got {seen.keys}", unchecked
        unwanted = [key for key in expect.not_replies if key in seen.keys]
        if unwanted:
            return f"unexpected replies {unwanted}", unchecked
    for name in ("stage", "intent", "language"):
        wanted = getattr(expect, name)
        if wanted is None:
            continue
        actual = getattr(seen, name)
        if actual is None:
            unchecked.append(name)
        elif actual != wanted:
            return f"expected {name} {wanted!r}, got {actual!r}", unchecked
    joined = "\n".join(seen.texts)
    for pattern in expect.says:
        if not re.search(pattern, joined, re.IGNORECASE):
            return f"reply does not match /{pattern}/", unchecked
    return None, unchecked


def booking_differences(booking: Booking, wanted: BookingFields) -> list[str]:
    actual = {
        "room_type": booking.room_type,
        "checkin": booking.checkin,
        "checkout": booking.checkout,
        "adults": booking.adults,
        "children": booking.children,
        "name": booking.guest_name,
        "email": booking.guest_email,
        "phone": booking.guest_phone,
        "status": booking.status.value,
    }
    differences = []
    for name, value in wanted.model_dump(exclude_none=True).items():
        have = actual[name]
        if name in {"name", "email"}:
            same = str(have).strip().casefold() == str(value).strip().casefold()
        elif name == "phone":
            same = re.sub(r"\D", "", str(have or "")) == re.sub(r"\D", "", str(value))
        else:
            same = have == value
        if not same:
            differences.append(f"{name} {have!r} (expected {value!r})")
    return differences


async def _make_given(pms: PmsAdapter, key: str, given: GivenBooking, run_id: str) -> str:
    booking = await pms.create_booking(
        BookingRequest(
            checkin=given.checkin,
            checkout=given.checkout,
            adults=given.adults,
            children=given.children,
            room_type=given.room_type,
            guest=GuestDetails(name=given.name, email=given.email, phone=given.phone),
            idempotency_key=f"conversation-test:{run_id}:{key}:{uuid.uuid4().hex}",
        )
    )
    return booking.reference


async def run_conversation(test: TestConversation, index: int, options: RunOptions) -> Outcome:
    outcome = Outcome(name=test.name, language=test.language, flow=test.flow, passed=False)
    needs_control = any(turn.pms is not None for turn in test.turns)
    if needs_control and options.pms_control is None:
        outcome.skipped = "takes the PMS down: needs in-process mode or --pms-faults-url"
        return outcome
    if test.given and options.pms is None:
        outcome.skipped = "needs given bookings: needs in-process mode or --pms-check"
        return outcome
    refs: dict[str, str] = {}
    if options.pms is not None:
        try:
            for key, given in test.given.items():
                refs[key] = await _make_given(options.pms, key, given, options.run_id)
        except PmsError as exc:
            outcome.divergence = Divergence(None, f"could not set up the given bookings: {exc}")
            if options.clean_up:
                await _cancel_made(options.pms, list(refs.values()))
            return outcome
    given_refs = dict(refs)
    conversation_id = _conversation_id(options, index)
    start = test.now or options.default_now
    seen_refs: list[str] = []
    try:
        outcome.divergence = await _play(test, conversation_id, start, refs, seen_refs, outcome, options)
    finally:
        if options.pms_control is not None and needs_control:
            await options.pms_control.up()
    if options.known_references is not None:
        for ref in await options.known_references(conversation_id):
            if ref not in seen_refs:
                seen_refs.append(ref)
    if options.pms is None:
        outcome.unchecked.append("PMS effects")
    else:
        divergence = await _check_pms(test, given_refs, seen_refs, outcome, options.pms)
        outcome.divergence = outcome.divergence or divergence
        if options.clean_up:
            await _cancel_made(options.pms, [*outcome.made, *given_refs.values()])
    outcome.passed = outcome.divergence is None
    return outcome


async def _play(
    test: TestConversation,
    conversation_id: str,
    start: datetime | None,
    refs: dict[str, str],
    seen_refs: list[str],
    outcome: Outcome,
    options: RunOptions,
) -> Divergence | None:
    first: Divergence | None = None
    for number, turn in enumerate(test.turns, start=1):
        if turn.pms is not None:
            assert options.pms_control is not None
            await (options.pms_control.down() if turn.pms == "down" else options.pms_control.up())
            continue
        if turn.wait is not None:
            await asyncio.sleep(turn.wait)
            continue
        guest = _guest_text(turn, refs)
        # Later turns a few seconds apart: the conversation reads like one a guest sends.
        now = start + timedelta(seconds=5 * number) if start is not None else None
        try:
            seen = await options.driver.send(
                conversation_id,
                text=_fill(turn.text or "", refs),
                choice_id=turn.tap,
                message_id=f"{conversation_id}-m{number}",
                now=now,
            )
        except DriverError as exc:
            return first or Divergence(number, str(exc), guest)
        for ref in seen.references:
            if ref not in seen_refs:
                seen_refs.append(ref)
            # `{last_ref}` in a later turn: the reference the bot gave last (a booking it just made).
            refs["last_ref"] = ref
        if turn.expect is not None and first is None:
            problem, unchecked = check_turn(turn.expect, seen)
            outcome.unchecked.extend(f"turn {number}: {item}" for item in unchecked)
            if problem is not None:
                first = Divergence(number, problem, guest, seen.texts)
    return first


def _guest_text(turn: GuestTurn, refs: dict[str, str]) -> str:
    return f"[tap {turn.tap}]" if turn.tap is not None else _fill(turn.text or "", refs)


async def _check_pms(
    test: TestConversation,
    refs: dict[str, str],
    seen_refs: list[str],
    outcome: Outcome,
    pms: PmsAdapter,
) -> Divergence | None:
    given_refs = set(refs.values())
    made: list[Booking] = []
    for ref in seen_refs:
        if ref in given_refs:
            continue
        try:
            booking = await pms.get_booking(ref)
        except PmsError:
            continue  # a reference the guest typed that does not exist
        made.append(booking)
    outcome.made = [booking.reference for booking in made]
    problem: str | None = None
    wanted = test.pms.booked
    confirmed = [booking for booking in made if booking.status.value == "confirmed"]
    if wanted is None:
        if confirmed:
            outcome.wrong_booking = True
            problem = f"no booking expected, but {confirmed[0].reference} was made"
    elif not made:
        problem = "expected a booking, none was made"
    else:
        if len(made) > 1:
            problem = f"expected one booking, {len(made)} were made"
            outcome.wrong_booking = True
        differences = booking_differences(made[-1], wanted)
        if differences:
            outcome.wrong_booking = outcome.wrong_booking or made[-1].status.value == "confirmed"
            problem = problem or f"booking {made[-1].reference}: " + ", ".join(differences)
    for key, fields in test.pms.given.items():
        if problem is not None:
            break
        if key not in refs:
            problem = f"'{key}' is not a given booking"
            break
        current = await pms.get_booking(refs[key])
        differences = booking_differences(current, fields)
        if differences:
            problem = f"given booking '{key}' ({current.reference}): " + ", ".join(differences)
    return Divergence(None, problem) if problem is not None else None


async def _cancel_made(pms: PmsAdapter, references: list[str]) -> None:
    for ref in references:
        try:
            booking = await pms.get_booking(ref)
            if booking.status.value == "confirmed":
                await pms.cancel_booking(ref)
        except PmsError:
            continue


async def run_all(tests: list[TestConversation], options: RunOptions) -> list[Outcome]:
    """One after another: conversations of one run share a hotel, as guests of one day would."""
    return [await run_conversation(test, index, options) for index, test in enumerate(tests)]
