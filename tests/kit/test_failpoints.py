"""Failpoint specs: `=error` raises every time at its point (and only there); a bad action is refused."""

from __future__ import annotations

import pytest

from hotel_agent.kit.failpoints import FailpointError, Failpoints


def test_error_failpoints_raise_every_time_at_their_point_only() -> None:
    points = Failpoints(["whatsapp.after_engine=error", "whatsapp.before_send@wamid.A=error"])
    for _ in range(3):
        with pytest.raises(FailpointError, match=r"whatsapp\.after_engine"):
            points.hit("whatsapp.after_engine", "wamid.anything")
    with pytest.raises(FailpointError):
        points.hit("whatsapp.before_send", "wamid.A")
    points.hit("whatsapp.before_send", "wamid.B")
    points.hit("whatsapp.after_claim", "wamid.A")
    Failpoints().hit("whatsapp.after_engine", "x")


def test_an_unknown_action_is_refused() -> None:
    with pytest.raises(ValueError, match="only be 'error'"):
        Failpoints(["whatsapp.after_engine=explode"])
