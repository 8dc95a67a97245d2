"""Start a real `hotel-agent serve` on a fresh SQLite database for a benchmark, and stop it after."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def rss_mb(pid: int) -> float:
    """Resident memory of a process, from /proc (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


@contextlib.contextmanager
def running_server(
    workers: int = 1, extra_env: dict[str, str] | None = None, setup: list[list[str]] | None = None
) -> Iterator[tuple[str, int]]:
    """Yields (base_url, pid) of a migrated, seeded server on its own SQLite file.

    `setup`: more `hotel-agent` commands to run before serving (e.g. creating an admin account).
    """
    with tempfile.TemporaryDirectory(prefix="ha-bench-") as tmp:
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{tmp}/bench.db",
            "LOG_LEVEL": "WARNING",
            "LOG_FORMAT": "json",
            "NLU_MODEL_DIR": str(ROOT / "var" / "models"),
            **(extra_env or {}),
        }
        env.pop("REDIS_URL", None) if "REDIS_URL" not in (extra_env or {}) else None
        for command in (["migrate"], ["seed"], *(setup or [])):
            subprocess.run(
                [sys.executable, "-m", "hotel_agent", *command],
                env=env,
                check=True,
                capture_output=True,
                cwd=ROOT,
            )
        port = free_port()
        server = subprocess.Popen(
            [sys.executable, "-m", "hotel_agent", "serve", "--port", str(port), "--workers", str(workers)],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 120
            while True:
                try:
                    if httpx.get(f"{base}/health/ready", timeout=2).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("benchmark server did not start")
                time.sleep(0.25)
            yield base, server.pid
        finally:
            server.terminate()
            server.wait(timeout=30)


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]
