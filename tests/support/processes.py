"""Web and worker processes of one release, started the way an operator (or `hotel-agent deploy`) does."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.support.cluster import ROOT
from tests.support.services import free_port


def start_web(
    env: dict[str, str], logs: Path, name: str, *, workers: int = 1, within: float = 90.0
) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = (logs / f"{name}.log").open("ab")
    process = subprocess.Popen(
        [sys.executable, "-m", "hotel_agent", "serve", "--port", str(port), "--workers", str(workers)],
        env={**env, "QUEUE_IN_PROCESS_WORKER": "false"},
        cwd=ROOT,
        stdout=log,
        stderr=log,
    )
    deadline = time.monotonic() + within
    while True:
        try:
            if httpx.get(f"{url}/health/ready", timeout=2).status_code == 200:
                return process, url
        except httpx.TransportError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"web server did not start: see {logs / f'{name}.log'}")
        time.sleep(0.2)


def start_worker(env: dict[str, str], logs: Path, name: str) -> subprocess.Popen[bytes]:
    log_path = logs / f"{name}.log"
    log = log_path.open("ab")
    process = subprocess.Popen(
        [sys.executable, "-m", "hotel_agent", "worker", "--concurrency", "4"],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=log,
    )
    deadline = time.monotonic() + 90
    while b"worker.started" not in log_path.read_bytes():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"worker did not start: see {log_path}")
        time.sleep(0.1)
    return process


def stop_all(processes: list[subprocess.Popen[bytes]]) -> None:
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
