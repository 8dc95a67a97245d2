"""The drain flag behind graceful stop (the SIGTERM test itself is tests/deploy/test_graceful_stop.py)."""

from __future__ import annotations

import signal
import threading
import time
from types import FrameType

from hotel_agent.ops.lifecycle import Lifecycle
from tests.support.app import make_settings, running_app


async def test_readiness_answers_503_while_draining_and_liveness_stays_up(sqlite_url: str) -> None:
    async with running_app(make_settings(sqlite_url)) as client:
        assert (await client.get("/health/ready")).status_code == 200
        lifecycle: Lifecycle = client.app.state.components.lifecycle  # type: ignore[attr-defined]
        lifecycle.begin_drain()
        ready = await client.get("/health/ready")
        assert ready.status_code == 503
        assert ready.json() == {"status": "shutting_down", "failing": ["shutdown"], "checks": {}}
        assert (await client.get("/health/live")).status_code == 200


def test_not_served_by_uvicorn_nothing_is_wrapped() -> None:
    before = signal.getsignal(signal.SIGTERM)
    assert Lifecycle(drain_seconds=1).install() is False
    assert signal.getsignal(signal.SIGTERM) is before


class FakeServer:
    """Stands in for uvicorn.Server: its module is what Lifecycle recognises."""

    def __init__(self) -> None:
        self.exits: list[tuple[int, float]] = []

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        self.exits.append((sig, time.monotonic()))


FakeServer.__module__ = "uvicorn.server"


def test_the_signal_reaches_uvicorn_after_the_drain_and_a_second_one_at_once() -> None:
    assert threading.current_thread() is threading.main_thread()
    server = FakeServer()
    previous = signal.signal(signal.SIGTERM, server.handle_exit)
    try:
        lifecycle = Lifecycle(drain_seconds=0.3)
        assert lifecycle.install() is True
        started = time.monotonic()
        signal.raise_signal(signal.SIGTERM)
        assert lifecycle.draining is True
        assert server.exits == []
        time.sleep(0.6)
        assert len(server.exits) == 1
        assert server.exits[0][1] - started >= 0.3

        signal.signal(signal.SIGTERM, server.handle_exit)
        again = Lifecycle(drain_seconds=30)
        assert again.install() is True
        signal.raise_signal(signal.SIGTERM)
        assert len(server.exits) == 1
        signal.raise_signal(signal.SIGTERM)  # the operator insists: no 30 s wait
        assert len(server.exits) == 2
    finally:
        signal.signal(signal.SIGTERM, previous)
