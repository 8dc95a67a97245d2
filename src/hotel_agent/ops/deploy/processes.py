"""Start, health-check and gracefully stop the processes of one release.

Every process is started in a session of its own (it outlives the `hotel-agent deploy` command that
started it) and logs to `<state dir>/logs/<release>-<role>-<port>.log`. Stopping is SIGTERM and a wait:
the process drains itself (ops/lifecycle.py, the worker's graceful stop); SIGKILL only after
`stop_timeout_seconds`.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterable
from pathlib import Path

import httpx
from dotenv import dotenv_values

from hotel_agent.ops.deploy.config import DeployConfig
from hotel_agent.ops.deploy.state import Instance, Release, Role


class DeployError(Exception):
    """A step could not be carried out; the message says what to look at."""


def release_python(directory: Path) -> str:
    """The release's own interpreter (its .venv), or this one when the release has none (tests, dev)."""
    candidate = directory / ".venv" / "bin" / "python"
    return str(candidate) if candidate.exists() else sys.executable


def release_env(release: Release) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key != "PROMETHEUS_MULTIPROC_DIR"}
    if release.env_file:
        path = Path(release.env_file)
        if not path.exists():
            raise DeployError(f"env file {path} of release {release.name} does not exist")
        env.update({key: value for key, value in dotenv_values(path).items() if value is not None})
    # The one-host nginx reaches the processes over loopback and is the only proxy whose
    # X-Forwarded-For is believed (docs/security.md); an env file may name another.
    env.setdefault("FORWARDED_ALLOW_IPS", "127.0.0.1")
    # Workers are separate processes here; a web process never runs one inside.
    env["QUEUE_IN_PROCESS_WORKER"] = "false"
    return env


def database_url(release: Release) -> str:
    """DATABASE_URL as the release's processes will see it (environment, env file, then its .env)."""
    env = release_env(release)
    if env.get("DATABASE_URL"):
        return env["DATABASE_URL"]
    dotenv = Path(release.directory) / ".env"
    url = dotenv_values(dotenv).get("DATABASE_URL") if dotenv.exists() else None
    if not url:
        raise DeployError(f"release {release.name} has no DATABASE_URL (env file or environment)")
    return url


def _port_free(host: str, port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
        return True


def allocate_ports(config: DeployConfig, taken: Iterable[int], count: int) -> list[int]:
    reserved = set(taken) | {config.listen_port}
    ports: list[int] = []
    port = config.base_port
    while len(ports) < count:
        if port > 65535:
            raise DeployError(f"no {count} free ports from {config.base_port} up")
        if port not in reserved and _port_free(config.bind_host, port):
            ports.append(port)
        port += 1
    return ports


def alive(pid: int) -> bool:
    """True while the process runs (a zombie child of ours is reaped and counts as gone)."""
    try:
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done == pid:
            return False
    except ChildProcessError:
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1][0] != "Z"
    except (OSError, IndexError):
        return True


def spawn(config: DeployConfig, release: Release, role: Role, port: int) -> Instance:
    directory = Path(release.directory)
    logs = config.state_dir / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    log_path = logs / f"{release.name}-{role}-{port}.log"
    python = release_python(directory)
    if role == "web":
        command = [python, "-m", "hotel_agent", "serve", "--host", config.bind_host, "--port", str(port)]
        command += ["--workers", "1"]
    else:
        command = [python, "-m", "hotel_agent", "worker", "--metrics-port", str(port)]
        command += ["--concurrency", str(config.worker_concurrency)]
    env = release_env(release)
    env["HOST"] = config.bind_host
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            command, cwd=directory, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    return Instance(role=role, pid=process.pid, port=port, log=str(log_path))


def instance_ready(instance: Instance, timeout: float = 2.0) -> tuple[bool, str]:
    """Web: /health/ready answers 200. Worker: it logged `worker.started` and serves its metrics."""
    if not alive(instance.pid):
        return False, "not running"
    path = "/health/ready" if instance.role == "web" else "/metrics"
    if instance.role == "worker":
        try:
            started = b"worker.started" in Path(instance.log).read_bytes()
        except OSError:
            started = False
        if not started:
            return False, "starting"
    try:
        response = httpx.get(f"{instance.url}{path}", timeout=timeout)
    except httpx.HTTPError as exc:
        return False, type(exc).__name__
    if response.status_code != 200:
        failing = response.json().get("failing") if instance.role == "web" else None
        return False, f"{response.status_code} {failing or ''}".strip()
    return True, "ready"


def wait_ready(config: DeployConfig, instances: list[Instance]) -> None:
    deadline = time.monotonic() + config.start_timeout_seconds
    waiting = list(instances)
    while waiting:
        for instance in list(waiting):
            ok, why = instance_ready(instance)
            if ok:
                waiting.remove(instance)
            elif why == "not running":
                raise DeployError(f"{instance.role} on port {instance.port} exited: see {instance.log}")
        if waiting and time.monotonic() > deadline:
            ports = ", ".join(f"{i.role}:{i.port}" for i in waiting)
            raise DeployError(f"not ready after {config.start_timeout_seconds:.0f}s: {ports}")
        if waiting:
            time.sleep(0.2)


def start_release(config: DeployConfig, release: Release, taken: set[int], web: int, workers: int) -> None:
    """Start `web` web processes and `workers` workers of the release and wait until each is ready."""
    ports = allocate_ports(config, taken, web + workers)
    started: list[Instance] = []
    try:
        for number, port in enumerate(ports):
            started.append(spawn(config, release, "web" if number < web else "worker", port))
        release.instances.extend(started)
        wait_ready(config, started)
    except Exception:
        stop_instances(config, started)
        release.instances = [i for i in release.instances if i not in started]
        raise


def stop_instances(config: DeployConfig, instances: list[Instance]) -> None:
    """SIGTERM each (in parallel), wait for all, SIGKILL whatever is left after the timeout."""
    for instance in instances:
        if alive(instance.pid):
            try:
                os.kill(instance.pid, signal.SIGTERM)
            except ProcessLookupError:
                continue
    deadline = time.monotonic() + config.stop_timeout_seconds
    while any(alive(i.pid) for i in instances) and time.monotonic() < deadline:
        time.sleep(0.1)
    for instance in instances:
        if alive(instance.pid):
            os.kill(instance.pid, signal.SIGKILL)


def migrate(release: Release) -> str:
    """Run the release's migrations (expand/contract: safe while the other release serves)."""
    result = subprocess.run(
        [release_python(Path(release.directory)), "-m", "hotel_agent", "migrate"],
        cwd=release.directory,
        env=release_env(release),
        capture_output=True,
        text=True,
        timeout=600,
    )
    if result.returncode != 0:
        raise DeployError(f"migrations of {release.name} failed: {result.stderr.strip()[-800:]}")
    return result.stdout.strip()
