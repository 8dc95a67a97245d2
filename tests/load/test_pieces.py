"""The load test's own logic: which replies answer which turn, lost and duplicated replies, the shapes."""

from __future__ import annotations

import random
from datetime import date

import pytest

from tests.load import conversations
from tests.load.ledger import Ledger, Reply, Turn
from tests.load.scenarios import SCENARIOS, parse_duration


def turn(guest: str, at: float, acked: bool = True) -> Turn:
    return Turn(
        guest, f"w{at}", "booking", "en", 0, at, acked=acked, ack_ms=5.0, status=200 if acked else 503
    )


def test_replies_belong_to_the_turn_before_them_and_a_silent_turn_is_lost() -> None:
    ledger = Ledger()
    ledger.sent(turn("a", 10.0))
    ledger.sent(turn("a", 20.0))
    ledger.sent(turn("b", 10.0))
    ledger.sent(turn("c", 10.0, acked=False))  # refused: an error, not a lost message
    ledger.received(Reply("a", 10.2, 0, "rooms", "cb1"))
    ledger.received(Reply("a", 10.3, 1, "more", "cb2"))
    ledger.received(Reply("b", 11.0, 2, "hi", "cb3"))
    ledger.received(Reply("b", 11.5, 3, "hi", "cb3"))  # the same outbox row twice
    summary = ledger.summary()
    assert summary["lost"] == 1  # a's second turn
    assert summary["duplicated_replies"] == 1
    assert summary["failed"] == 1
    assert summary["e2e_ms"]["count"] == 2
    assert summary["e2e_ms"]["max"] == pytest.approx(1000.0)  # b: 10.0 -> 11.0
    ledger.received(Reply("a", 25.0, 4, "late", "cb4"))
    assert ledger.unanswered() == 0


def test_shapes_follow_the_plan() -> None:
    spike = SCENARIOS["spike"]
    assert spike.users_at(0.0) == 10
    assert spike.users_at(0.4) == 500
    assert spike.users_at(1.0) == 10
    assert SCENARIOS["peak"].users_at(0.5) == 200
    assert SCENARIOS["normal"].users_at(0.05) == 25
    assert parse_duration("1h30m") == 5400
    assert parse_duration("90") == 90
    with pytest.raises(ValueError, match="not a duration"):
        parse_duration("5x")


def test_the_mix_and_the_booking_script() -> None:
    rng = random.Random(3)
    flows = [conversations.pick_flow(rng) for _ in range(5000)]
    assert 0.67 < flows.count("availability") / 5000 < 0.73
    assert 0.17 < flows.count("booking") / 5000 < 0.23
    booking = conversations.build("booking", "es", rng, date(2027, 1, 10), [])
    assert booking.stay is not None
    replies = ["Tenemos:\n1. Doble: 110 €\n2. Twin: 110 €\nResponde con el número"]
    texts = [step(replies) for step in booking.steps]
    assert texts[-3] in {"1", "2"}
    assert "@example.com" in texts[-2]
    sold_out = conversations.build("booking", "en", rng, date(2027, 1, 10), [])
    assert sold_out.steps[-3](["Sorry, nothing is free on those dates."]) is None
    assert sold_out.outcome == "sold_out"
    numbers = {conversations.phone_number(lang, user, conv, 7) for lang in ["en", "es", "pt"]
               for user in range(500) for conv in range(50)}  # fmt: skip
    assert len(numbers) == 3 * 500 * 50
