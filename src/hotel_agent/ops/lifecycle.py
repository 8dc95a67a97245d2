"""Graceful stop of a web process: SIGTERM makes /health/ready answer 503 at once, then uvicorn stops.

uvicorn already does the second half: on SIGTERM it closes its listening socket, lets in-flight requests
finish (bounded by `timeout_graceful_shutdown`, which `hotel-agent serve` sets from
SHUTDOWN_GRACEFUL_SECONDS), then runs the lifespan shutdown (the in-process queue worker finishes its
jobs there). What it cannot do is tell a load balancer beforehand. `Lifecycle` wraps uvicorn's signal
handler: the first SIGTERM/SIGINT marks the process *draining* (readiness 503, liveness still 200) and
hands the signal to uvicorn after SHUTDOWN_DRAIN_SECONDS, so a balancer that polls readiness (Kubernetes,
an nginx with health checks) has taken the process out before its listener closes. A second signal
during the drain is passed on at once: an operator who insists gets the normal stop.

Only a process served by uvicorn is wrapped (its handler is installed before the lifespan starts); an app
driven by a test client has no process-wide signals to take over.
"""

from __future__ import annotations

import signal
import threading
from types import FrameType
from typing import Any

import structlog

log = structlog.get_logger(__name__)

SIGNALS = (signal.SIGTERM, signal.SIGINT)
Handler = Any  # what signal.getsignal returns: a callable, SIG_DFL/SIG_IGN or None


def _is_uvicorn_handler(handler: Handler) -> bool:
    owner = getattr(handler, "__self__", None)
    return type(owner).__module__.startswith("uvicorn.") and callable(handler)


class Lifecycle:
    """Whether this process is draining, and the signal wrapper that starts the drain."""

    def __init__(self, drain_seconds: float = 0.0) -> None:
        self.drain_seconds = drain_seconds
        self.draining = False
        self._previous: dict[int, Handler] = {}
        self._timer: threading.Timer | None = None

    def install(self) -> bool:
        """Wrap uvicorn's SIGTERM/SIGINT handlers; False (nothing changed) when not served by uvicorn."""
        if threading.current_thread() is not threading.main_thread():
            return False
        for signum in SIGNALS:
            previous = signal.getsignal(signum)
            if _is_uvicorn_handler(previous):
                self._previous[signum] = previous
                signal.signal(signum, self._on_signal)
        return bool(self._previous)

    def begin_drain(self) -> None:
        if not self.draining:
            self.draining = True
            log.info("app.draining", drain_seconds=self.drain_seconds)

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        previous = self._previous[signum]
        if self.draining or self.drain_seconds <= 0:
            self.begin_drain()
            if self._timer is not None:
                self._timer.cancel()
            previous(signum, frame)
            return
        self.begin_drain()
        # uvicorn's handler only sets flags its main loop polls: calling it from a timer thread is safe.
        self._timer = threading.Timer(self.drain_seconds, previous, args=(signum, frame))
        self._timer.daemon = True
        self._timer.start()
