"""Serve the fake on a loopback port from a background thread (tests and benchmarks)."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import uvicorn

from tools.fake_graph_api.app import FakeConfig, FakeGraphApi, create_app


@dataclass
class RunningFake:
    fake: FakeGraphApi
    url: str
    loop: asyncio.AbstractEventLoop

    def call(self, coroutine: object) -> object:
        """Run a coroutine on the fake's own loop (e.g. `fake.wait_for`) from another thread."""
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result()  # type: ignore[arg-type]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def running_fake(config: FakeConfig | None = None, port: int | None = None) -> Iterator[RunningFake]:
    fake = FakeGraphApi(config)
    port = port or _free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(fake), host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    loops: list[asyncio.AbstractEventLoop] = []

    def serve() -> None:
        loop = asyncio.new_event_loop()
        loops.append(loop)
        asyncio.set_event_loop(loop)
        loop.run_until_complete(server.serve())

    thread = threading.Thread(target=serve, name="fake-graph-api", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the fake Graph API did not start")
        time.sleep(0.02)
    try:
        yield RunningFake(fake=fake, url=f"http://127.0.0.1:{port}", loop=loops[0])
    finally:
        server.should_exit = True
        thread.join(timeout=10)
