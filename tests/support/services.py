"""Where the real PostgreSQL and Redis are, and what to do when they are missing.

Under CI=true a missing service fails the run; locally it skips the tests that need it, loudly.
"""

from __future__ import annotations

import os
import socket

import pytest
from sqlalchemy.engine import make_url

POSTGRES_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1.0):
            return True
    except OSError:
        return False


def require_service(name: str, host: str, port: int) -> None:
    """Skip the test when the service is down, except under CI=true, where that fails it instead."""
    if reachable(host, port):
        return
    message = f"{name} is not reachable at {host}:{port}"
    if IN_CI:
        pytest.fail(f"{message}; CI=true requires it", pytrace=False)
    pytest.skip(message)


def require_postgres() -> None:
    """The PostgreSQL of TEST_POSTGRES_URL (not a fixed address: the URL is what the tests connect to)."""
    url = make_url(POSTGRES_ADMIN_URL)
    require_service("PostgreSQL", url.host or "127.0.0.1", url.port or 5432)


def require_redis() -> None:
    url = make_url(REDIS_URL)
    require_service("Redis", url.host or "127.0.0.1", url.port or 6379)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def require_binary(name: str) -> str:
    """The path of a program the tests run (promtool, prometheus...); missing fails under CI=true."""
    import shutil

    path = shutil.which(name)
    if path is not None:
        return path
    message = f"{name} is not installed (make test installs Debian's prometheus packages)"
    if IN_CI:
        pytest.fail(f"{message}; CI=true requires it", pytrace=False)
    pytest.skip(message)
