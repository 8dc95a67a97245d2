"""The development conversation set and the staging scenarios, in process on the embedded default.

The dev set is a ratchet with a checked-in list of the conversations that still fail
(tests/conversations/dev/known_failures.txt, one name a line). The test asserts the list exactly: a
conversation that fails and is not listed is a regression; a listed one that now passes must be removed
from the list, so the ratchet only ever tightens. A confirmed booking that differs from what the guest
asked is a failure like any other, so it can only happen in a listed conversation.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from hotel_agent.config import Settings
from hotel_agent.conversation.testing.harness import in_process
from hotel_agent.conversation.testing.loader import load_paths
from hotel_agent.conversation.testing.report import render
from hotel_agent.conversation.testing.runner import run_all
from hotel_agent.conversation.testing.schemas import BookingFields, GivenBooking
from hotel_agent.pms.local.demo_hotel import DEMO_ROOM_TYPES
from hotel_agent.pms.schemas import normalize_phone
from tests.support.app import shared_nlu

SETS = Path(__file__).parents[2] / "conversations"
KNOWN_FAILURES = SETS / "dev" / "known_failures.txt"
ROOMS: dict[str, dict[str, Any]] = {room["code"]: room for room in DEMO_ROOM_TYPES}


def _settings() -> Settings:
    return Settings(environment="development", redis_url=None, gc_freeze_after_start=False)  # type: ignore[call-arg]


def known_failures(path: Path = KNOWN_FAILURES) -> set[str]:
    """Conversation names, one a line; `#` starts a comment, blank lines are ignored."""
    names = (line.split("#", 1)[0].strip() for line in path.read_text(encoding="utf-8").splitlines())
    return {name for name in names if name}


async def test_staging_scenarios_pass_in_process() -> None:
    tests = load_paths([SETS / "staging.yaml"])
    async with in_process(_settings(), nlu=shared_nlu()) as options:
        outcomes = await run_all(tests, options)
    assert all(outcome.passed for outcome in outcomes), render(outcomes)


def test_known_failures_name_dev_conversations() -> None:
    names = {test.name for test in load_paths([SETS / "dev"])}
    unknown = sorted(known_failures() - names)
    assert not unknown, f"{KNOWN_FAILURES.name} lists conversations the dev set doesn't have: {unknown}"


async def test_dev_set_fails_exactly_its_known_failures() -> None:
    tests = load_paths([SETS / "dev"])
    async with in_process(_settings(), nlu=shared_nlu()) as options:
        outcomes = await run_all(tests, options)
    known = known_failures()
    failed = {outcome.name for outcome in outcomes if not outcome.passed}
    regressions = sorted(failed - known)
    fixed = sorted(known - failed - {o.name for o in outcomes if o.skipped})
    report = render([outcome for outcome in outcomes if outcome.name in regressions]) if regressions else ""
    assert not regressions, f"failing, not in {KNOWN_FAILURES.name} (regressions): {regressions}\n{report}"
    assert not fixed, f"conversations that now pass: remove them from {KNOWN_FAILURES.name}: {fixed}"


def test_dev_expectations_are_consistent_with_the_demo_hotel() -> None:
    """Each expected booking is one the demo hotel can hold, and every placeholder names a given booking."""
    problems: list[str] = []
    for test in load_paths([SETS / "dev"]):
        if test.language not in {"en", "es", "pt"}:
            problems.append(f"{test.name}: language {test.language!r}")
        placeholders = {key for turn in test.turns for key in re.findall(r"\{(\w+)\}", turn.text or "")}
        if placeholders - set(test.given) - {"last_ref"}:
            problems.append(f"{test.name}: placeholders {sorted(placeholders - set(test.given))}")
        if set(test.pms.given) - set(test.given):
            problems.append(f"{test.name}: pms.given names no given booking")
        stays = [("booked", test.pms.booked, None)] if test.pms.booked else []
        stays += [(f"given {key}", fields, test.given.get(key)) for key, fields in test.pms.given.items()]
        for label, fields, given in stays:
            assert fields is not None
            problems.extend(f"{test.name}: {label} {problem}" for problem in _stay_problems(fields, given))
    assert not problems, "\n".join(problems)


def _stay_problems(fields: BookingFields, given: GivenBooking | None) -> list[str]:
    """What makes an expected booking (a given one's fields fill the unset ones) impossible here."""
    problems = []
    checkin = fields.checkin or (given.checkin if given else None)
    checkout = fields.checkout or (given.checkout if given else None)
    if checkin and checkout and not checkin < checkout:
        problems.append("checkout is not after checkin")
    code = fields.room_type or (given.room_type if given else None)
    adults = fields.adults if fields.adults is not None else (given.adults if given else None)
    children = fields.children if fields.children is not None else (given.children if given else 0)
    room = ROOMS.get(code) if code is not None else None
    if code is not None and room is None:
        problems.append(f"room type {code!r} is not the demo hotel's")
    elif room is not None and adults is not None:
        kids = children or 0
        too_many = adults > room["max_adults"] or kids > room["max_children"]
        if too_many or adults + kids > room["max_guests"]:
            problems.append(f"{adults} adults and {kids} children don't fit the {code}")
    if fields.phone is not None and _e164(fields.phone) != fields.phone:
        problems.append(f"phone {fields.phone!r} is not a valid E.164 number")
    return problems


def _e164(phone: str) -> str | None:
    try:
        return normalize_phone(phone)
    except ValueError:
        return None
