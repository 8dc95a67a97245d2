"""Helpers for the PMS tests: the recorded QloApps fixtures and a loopback emulator server."""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import uvicorn
from tools.qloapps_emulator import Emulator, create_app

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(os.environ.get("QLOAPPS_FIXTURES", ROOT.parent / "shared" / "qloapps" / "fixtures"))
RECORDED_AT = datetime(2026, 11, 25, 10, 42, 46)
BASE_URL = "http://127.0.0.1:8089"


def fixture_files() -> list[Path]:
    """Every recorded exchange, in recording order (01 ... 113)."""
    if not FIXTURES.is_dir():
        if os.environ.get("CI") == "true":
            raise RuntimeError(f"the recorded QloApps fixtures are missing at {FIXTURES}")
        return []
    return sorted(FIXTURES.glob("*.json"), key=lambda path: int(path.name.split("-")[0]))


def load_fixture(number: int) -> dict[str, Any]:
    path = next(path for path in fixture_files() if int(path.name.split("-")[0]) == number)
    return dict(json.loads(path.read_text()))


class LoopbackEmulator:
    """The emulator served by uvicorn on a free 127.0.0.1 port, in a background thread."""

    def __init__(self) -> None:
        self.emulator = Emulator()
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            create_app(self.emulator), host="127.0.0.1", port=self.port, log_level="warning", lifespan="off"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LoopbackEmulator:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("the loopback emulator did not start")
            time.sleep(0.01)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
