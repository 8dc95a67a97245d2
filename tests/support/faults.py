"""Helpers of the fault tests: a TCP proxy the test can cut, Meta-like traffic, and the ledger of what was
acknowledged and answered."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

from hotel_agent.channels.whatsapp.simulation import message_payload, signed_request, webhook
from tests.support.services import free_port
from tests.support.whatsapp import APP_SECRET, PHONE_NUMBER_ID


class TcpProxy:
    """127.0.0.1:<port> -> target. `cut()` drops every connection and refuses new ones; `restore()`."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = free_port()
        self._up = threading.Event()
        self._connections: list[socket.socket] = []
        self._lock = threading.Lock()
        self._listener: socket.socket | None = None
        self._stopped = threading.Event()

    def start(self) -> TcpProxy:
        self.restore()
        return self

    def _listen(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(128)
        listener.settimeout(0.2)
        self._listener = listener
        while self._up.is_set() and not self._stopped.is_set():
            try:
                client, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                break
            try:
                upstream = socket.create_connection(self.target, timeout=2)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)  # idle connections (a Redis pool's) stay open
            client.settimeout(None)
            with self._lock:
                self._connections += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()
        listener.close()

    def _pipe(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()

    def cut(self) -> None:
        self._up.clear()
        if self._listener is not None:
            self._listener.close()
        with self._lock:
            for sock in self._connections:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()
            self._connections.clear()
        time.sleep(0.3)  # the listener thread has let the port go

    def restore(self) -> None:
        self._up.set()
        threading.Thread(target=self._listen, name="tcp-proxy", daemon=True).start()
        deadline = time.monotonic() + 5
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def stop(self) -> None:
        self._stopped.set()
        self.cut()


@dataclass
class Traffic:
    """Uniquely numbered signed messages, each delivered like Meta does: again until a 2xx, bounded."""

    base_url: str
    sent: int = 0
    acknowledged: dict[str, str] = field(default_factory=dict)  # wamid -> guest
    refused_deliveries: int = 0  # non-2xx answers or connection errors (redelivered)
    unacknowledged: list[str] = field(default_factory=list)
    _number: int = 0

    def deliver(self, guests: list[str], per_guest: int, every: float, give_up_after: float = 60.0) -> None:
        """`per_guest` messages to each guest, one round every `every` seconds, from this thread."""
        with httpx.Client(base_url=self.base_url, timeout=10) as client:
            pending: list[tuple[dict[str, Any], float]] = []
            for _round in range(per_guest):
                started = time.monotonic()
                for guest in guests:
                    self._number += 1
                    message = message_payload(wa_id=guest, text=f"what time is check-in? ({self._number})")
                    self.sent += 1
                    pending.append((message, time.monotonic()))
                pending = self._try(client, pending, give_up_after)
                time.sleep(max(0.0, every - (time.monotonic() - started)))
            while pending:
                pending = self._try(client, pending, give_up_after)
                if pending:
                    time.sleep(0.5)

    def _try(
        self, client: httpx.Client, pending: list[tuple[dict[str, Any], float]], give_up_after: float
    ) -> list[tuple[dict[str, Any], float]]:
        left = []
        for message, first in pending:
            body, headers = signed_request(webhook(PHONE_NUMBER_ID, messages=[message]), APP_SECRET)
            try:
                status = client.post("/webhooks/whatsapp", content=body, headers=headers).status_code
            except httpx.TransportError:
                status = 0
            if 200 <= status < 300:
                self.acknowledged[message["id"]] = message["from"]
            elif time.monotonic() - first > give_up_after:
                self.unacknowledged.append(message["id"])
            else:
                self.refused_deliveries += 1
                left.append((message, first))
        return left


class ReadinessWatch:
    """Polls /health/ready every 0.25 s from a thread: which statuses and failing checks were seen."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.seen: list[tuple[float, int, tuple[str, ...]]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> ReadinessWatch:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        with httpx.Client(base_url=self.base_url, timeout=3) as client:
            while not self._stop.is_set():
                try:
                    response = client.get("/health/ready")
                    failing = tuple(response.json().get("failing", []))
                    self.seen.append((time.monotonic(), response.status_code, failing))
                except (httpx.TransportError, ValueError):
                    self.seen.append((time.monotonic(), 0, ("unreachable",)))
                time.sleep(0.25)

    def failing_during(self, start: float, end: float) -> set[str]:
        return {
            name
            for at, status, failing in self.seen
            if start <= at <= end and status != 200
            for name in failing
        }

    def ready_again_after(self, moment: float) -> float | None:
        """Seconds from `moment` to the first 200 after it."""
        for at, status, _ in self.seen:
            if at >= moment and status == 200:
                return at - moment
        return None
