"""The nginx in front: render its config from deploy/nginx/hotel-agent.conf.j2, start it, reload it.

`nginx -s reload` is graceful: the master starts workers with the new upstream weights and the old
workers finish the requests they hold before exiting, so a weight change drops no connection. The
config is checked with `nginx -t` before every reload; a config nginx refuses is never applied.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import jinja2

from hotel_agent.ops.deploy.config import DeployConfig
from hotel_agent.ops.deploy.processes import DeployError, alive
from hotel_agent.ops.deploy.state import DeployState

TEMPLATE = Path(__file__).resolve().parents[4] / "deploy" / "nginx" / "hotel-agent.conf.j2"


@dataclass(frozen=True)
class UpstreamServer:
    address: str
    weight: int
    release: str


def upstream_servers(state: DeployState, bind_host: str) -> list[UpstreamServer]:
    """Weights such that the canary's web processes together get `canary_weight` % of requests."""
    stable = state.stable.web() if state.stable else []
    canary = state.canary.web() if state.canary else []
    weight = state.canary_weight if canary else 0
    if not stable:
        weight = 100
    servers: list[UpstreamServer] = []
    if weight < 100:
        for instance in stable:
            servers.append(
                UpstreamServer(f"{bind_host}:{instance.port}", (100 - weight) * max(1, len(canary)), "stable")
            )
    if weight > 0:
        for instance in canary:
            servers.append(
                UpstreamServer(f"{bind_host}:{instance.port}", weight * max(1, len(stable)), "canary")
            )
    if not servers:
        raise DeployError("no web process to send traffic to")
    return servers


def render(config: DeployConfig, state: DeployState) -> str:
    environment = jinja2.Environment(
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # noqa: S701 - renders an nginx config from our own values, not HTML
        keep_trailing_newline=True,
    )
    template = environment.from_string(TEMPLATE.read_text())
    return template.render(
        environment=config.environment,
        prefix=str(prefix(config)),
        listen=config.listen,
        servers=upstream_servers(state, config.bind_host),
        stable=state.stable.name if state.stable else None,
        canary=state.canary.name if state.canary else None,
        canary_weight=state.canary_weight if state.canary else 0,
    )


def prefix(config: DeployConfig) -> Path:
    return (config.state_dir / "nginx").resolve()


def _nginx(config: DeployConfig, *args: str) -> subprocess.CompletedProcess[str]:
    conf = prefix(config) / "nginx.conf"
    return subprocess.run(
        [config.nginx, "-p", str(prefix(config)), "-c", str(conf), *args],
        capture_output=True,
        text=True,
        timeout=30,
    )


def _running_pid(config: DeployConfig) -> int | None:
    try:
        pid = int((prefix(config) / "nginx.pid").read_text().strip())
    except (OSError, ValueError):
        return None
    return pid if alive(pid) else None


def apply(config: DeployConfig, state: DeployState) -> None:
    """Write the config for `state`, test it, then start nginx or reload it; wait until it answers."""
    root = prefix(config)
    for folder in ("logs", "tmp"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    conf = root / "nginx.conf"
    candidate = root / "nginx.conf.new"
    candidate.write_text(render(config, state))
    tested = subprocess.run(
        [config.nginx, "-t", "-p", str(root), "-c", str(candidate)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    if tested.returncode != 0:
        raise DeployError(f"nginx refused the new config: {tested.stderr.strip()[-600:]}")
    os.replace(candidate, conf)
    pid = _running_pid(config)
    if pid is None:
        started = _nginx(config)
        if started.returncode != 0:
            raise DeployError(f"nginx did not start: {started.stderr.strip()[-600:]}")
    else:
        reloaded = _nginx(config, "-s", "reload")
        if reloaded.returncode != 0:
            raise DeployError(f"nginx reload failed: {reloaded.stderr.strip()[-600:]}")
    state.nginx_pid = _wait_answering(config)


def _wait_answering(config: DeployConfig, timeout: float = 15.0) -> int:
    deadline = time.monotonic() + timeout
    while True:
        pid = _running_pid(config)
        try:
            if pid and httpx.get(f"{config.public_url}/nginx/health", timeout=2).status_code == 200:
                return pid
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise DeployError(f"nginx does not answer on {config.listen}: see {prefix(config) / 'logs'}")
        time.sleep(0.1)


def stop(config: DeployConfig) -> None:
    """Graceful quit (SIGQUIT): in-flight requests finish."""
    pid = _running_pid(config)
    if pid is None:
        return
    os.kill(pid, signal.SIGQUIT)
    deadline = time.monotonic() + config.stop_timeout_seconds
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    if alive(pid):
        os.kill(pid, signal.SIGKILL)


def settle(config: DeployConfig) -> None:
    """After a reload, wait until old nginx workers (still holding requests) have exited, then the drain."""
    deadline = time.monotonic() + config.stop_timeout_seconds
    pid = _running_pid(config)
    while pid and time.monotonic() < deadline:
        children = _children(pid)
        shutting = [child for child in children if "shutting down" in _cmdline(child)]
        if not shutting:
            break
        time.sleep(0.1)
    time.sleep(config.drain_seconds)


def _children(pid: int) -> list[int]:
    try:
        return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""
