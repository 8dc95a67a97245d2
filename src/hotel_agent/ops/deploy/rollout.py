"""The sequences behind `hotel-agent deploy`: each one leaves the state file true at every step.

Order rules: migrations run before a release takes traffic; an instance leaves nginx (reload, old nginx
workers finish, then `drain_seconds`) before it is stopped; a rollback changes the weights first and
stops the canary afterwards, so guests are back on stable the moment nginx has reloaded.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hotel_agent.ops.deploy import analysis, backup, nginx
from hotel_agent.ops.deploy.config import DeployConfig
from hotel_agent.ops.deploy.metrics import ReleaseWindow, scrape, window
from hotel_agent.ops.deploy.processes import (
    DeployError,
    database_url,
    instance_ready,
    migrate,
    start_release,
    stop_instances,
)
from hotel_agent.ops.deploy.state import DeployState, Release

Echo = Callable[[str], None]


@dataclass(frozen=True)
class HealthLine:
    release: str
    role: str
    port: int
    ok: bool
    detail: str


class Deployer:
    def __init__(self, config: DeployConfig, report_path: Path, echo: Echo = print) -> None:
        self.config = config
        self.report_path = report_path
        self.echo = echo
        self.state_path = config.state_dir / "state.json"

    @contextlib.contextmanager
    def _locked(self) -> Iterator[DeployState]:
        """One deploy command at a time per environment; the state is saved when the block ends."""
        self.config.state_dir.mkdir(parents=True, exist_ok=True)
        with (self.config.state_dir / "lock").open("w") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise DeployError(f"another deploy command runs on {self.config.environment}") from None
            state = DeployState.load(self.state_path, self.config.environment)
            try:
                yield state
            finally:
                state.save(self.state_path)

    def state(self) -> DeployState:
        return DeployState.load(self.state_path, self.config.environment)

    # --- releases -------------------------------------------------------------------------------

    def deploy(self, name: str, directory: Path, env_file: Path | None) -> None:
        """Bring up `name` as the stable release; an older stable one is stopped once the new one is ready."""
        with self._locked() as state:
            if state.canary is not None:
                raise DeployError(f"canary {state.canary.name} is running: promote it or roll it back first")
            release = Release(name=name, directory=str(directory.resolve()), env_file=_path(env_file))
            self._backup_before(release)
            self.echo(f"migrating for {name}: {migrate(release)}")
            start_release(
                self.config, release, state.used_ports(), self.config.web_instances, self.config.workers
            )
            previous = state.stable
            self._switch(state, stable=release, canary=None, weight=0, started=release)
            self.echo(
                f"{name}: {len(release.web())} web + {len(release.workers())} workers "
                f"behind {self.config.listen}"
            )
            if previous is not None:
                state.save(self.state_path)
                nginx.settle(self.config)
                stop_instances(self.config, previous.instances)
                self.echo(f"stopped previous release {previous.name}")

    def canary(self, name: str, directory: Path, env_file: Path | None, weight: int) -> None:
        """Start `name` beside stable and send it `weight` % of requests (a running canary: new weight)."""
        if not 0 < weight < 100:
            raise DeployError("a canary weight is between 1 and 99 (promote to reach 100)")
        with self._locked() as state:
            if state.stable is None:
                raise DeployError("nothing deployed yet: `make deploy` first")
            if state.canary is not None and state.canary.name != name:
                raise DeployError(f"canary {state.canary.name} is running: promote it or roll it back first")
            if state.canary is None:
                release = Release(name=name, directory=str(directory.resolve()), env_file=_path(env_file))
                self._backup_before(release)
                self.echo(f"migrating for {name}: {migrate(release)}")
                start_release(
                    self.config,
                    release,
                    state.used_ports(),
                    self.config.canary_web_instances,
                    self.config.canary_workers,
                )
                self._switch(state, stable=state.stable, canary=release, weight=weight, started=release)
            else:
                self._switch(state, stable=state.stable, canary=state.canary, weight=weight, started=None)
            self.echo(f"canary {name} takes {weight}% of requests")

    # --- backups --------------------------------------------------------------------------------

    def _backup_before(self, release: Release) -> None:
        """With `backup_before_deploy`: pg_dump before the release's migrations; a failure stops here."""
        if self.config.backup_before_deploy:
            path = self.backup(release, label=f"before-{release.name}")
            self.echo(f"backed up the database to {path}")

    def backup(self, release: Release, label: str = "") -> Path:
        return backup.backup(
            database_url(release),
            self.config.backup_dir,
            self.config.environment,
            label=label,
            keep=self.config.backups_keep,
        )

    def restore(self, release: Release, dump: Path, force: bool = False) -> str:
        """Replace the database with a backup; refused while releases run here unless `force`."""
        with self._locked() as state:
            running = [r.name for r in (state.stable, state.canary) if r is not None]
            if running and not force:
                raise DeployError(
                    f"releases run on {self.config.environment} ({', '.join(running)}): "
                    "`make deploy-down` first, or force it"
                )
            return backup.restore(database_url(release), dump)

    def _switch(
        self,
        state: DeployState,
        *,
        stable: Release | None,
        canary: Release | None,
        weight: int,
        started: Release | None,
    ) -> None:
        """Point nginx at the new set of releases; the state changes only once nginx took it.

        When nginx refuses, the processes just started are stopped and the state (and traffic) stay as
        they were.
        """
        candidate = state.model_copy(update={"stable": stable, "canary": canary, "canary_weight": weight})
        try:
            nginx.apply(self.config, candidate)
        except DeployError:
            if started is not None:
                stop_instances(self.config, started.instances)
            raise
        state.stable, state.canary, state.canary_weight = stable, canary, weight
        state.nginx_pid = candidate.nginx_pid

    def rollback(self, reason: str = "manual") -> None:
        """100% back to stable at once, then stop the canary."""
        with self._locked() as state:
            self._rollback(state, reason)

    def _rollback(self, state: DeployState, reason: str) -> None:
        canary = state.canary
        if canary is None:
            self.echo("no canary: stable already takes all requests")
            return
        self._switch(state, stable=state.stable, canary=None, weight=0, started=None)
        state.save(self.state_path)
        self.echo(f"rolled back ({reason}): stable {state.stable.name if state.stable else '?'} takes 100%")
        nginx.settle(self.config)
        stop_instances(self.config, canary.instances)
        self.echo(f"stopped canary {canary.name}")

    def _finalize(self, state: DeployState) -> None:
        """The canary becomes stable at full size: its missing processes start before it takes 100%."""
        canary, previous = state.canary, state.stable
        assert canary is not None
        add_web = max(0, self.config.web_instances - len(canary.web()))
        add_workers = max(0, self.config.workers - len(canary.workers()))
        if add_web or add_workers:
            before = list(canary.instances)
            start_release(self.config, canary, state.used_ports(), add_web, add_workers)
            self.echo(f"{canary.name}: +{add_web} web, +{add_workers} workers for the full release")
            started = Release(
                name=canary.name,
                directory=canary.directory,
                env_file=canary.env_file,
                instances=[i for i in canary.instances if i not in before],
            )
        else:
            started = None
        try:
            self._switch(state, stable=canary, canary=None, weight=0, started=started)
        except DeployError:
            if started is not None:  # stopped by _switch: the canary stays as it was
                canary.instances = [i for i in canary.instances if i not in started.instances]
            raise
        state.save(self.state_path)
        self.echo(f"{canary.name} takes 100% and is the stable release")
        if previous is not None:
            nginx.settle(self.config)
            stop_instances(self.config, previous.instances)
            self.echo(f"stopped previous release {previous.name}")

    def down(self) -> None:
        with self._locked() as state:
            nginx.stop(self.config)
            for release in (state.canary, state.stable):
                if release is not None:
                    stop_instances(self.config, release.instances)
            state.stable = state.canary = None
            state.canary_weight = 0
            state.nginx_pid = None

    # --- observation ----------------------------------------------------------------------------

    def health(self) -> list[HealthLine]:
        state = self.state()
        lines: list[HealthLine] = []
        for release in (state.stable, state.canary):
            if release is None:
                continue
            for instance in release.instances:
                ok, detail = instance_ready(instance)
                lines.append(HealthLine(release.name, instance.role, instance.port, ok, detail))
        try:
            import httpx

            ok = httpx.get(f"{self.config.public_url}/health/ready", timeout=5).status_code == 200
            detail = "ready through nginx" if ok else "readiness through nginx failed"
        except Exception as exc:
            ok, detail = False, f"nginx: {type(exc).__name__}"
        lines.append(HealthLine("nginx", "proxy", self.config.listen_port, ok, detail))
        return lines

    def observe(self, seconds: float, action: str = "none") -> dict[str, Any]:
        """Compare stable and canary over the next `seconds`; write and return the report."""
        state = self.state()
        if state.stable is None or state.canary is None:
            raise DeployError("no canary to compare: `make canary-deploy` first")
        stable_before, _ = scrape(state.stable.instances, self.config.ignored_routes)
        canary_before, _ = scrape(state.canary.instances, self.config.ignored_routes)
        started = time.monotonic()
        time.sleep(seconds)
        stable_after, stable_missing = scrape(state.stable.instances, self.config.ignored_routes)
        canary_after, canary_missing = scrape(state.canary.instances, self.config.ignored_routes)
        elapsed = time.monotonic() - started
        stable_window = window(stable_before, stable_after, stable_missing)
        canary_window = window(canary_before, canary_after, canary_missing)
        return self._write_report(state, stable_window, canary_window, elapsed, action)

    def _write_report(
        self, state: DeployState, stable: ReleaseWindow, canary: ReleaseWindow, elapsed: float, action: str
    ) -> dict[str, Any]:
        assert state.stable is not None
        assert state.canary is not None
        triggers = analysis.judge(stable, canary, self.config.thresholds)
        document = analysis.report(
            environment=self.config.environment,
            canary_weight=state.canary_weight,
            window_seconds=elapsed,
            stable=analysis.release_summary(state.stable.name, stable, len(state.stable.instances)),
            canary=analysis.release_summary(state.canary.name, canary, len(state.canary.instances)),
            triggers=triggers,
            thresholds=self.config.thresholds,
            action=action,
        )
        self.save_report(document)
        return document

    def save_report(self, document: dict[str, Any]) -> None:
        self.report_path.parent.mkdir(parents=True, exist_ok=True)
        self.report_path.write_text(json.dumps(document, indent=2) + "\n")

    # --- promotion ------------------------------------------------------------------------------

    def promote(self, pause_seconds: float | None = None, auto_rollback: bool = True) -> dict[str, Any]:
        """Observe, then step up (config.steps) while every window passes; roll back on the first failure.

        A window with too little canary traffic is observed again (`max_extensions` times), then the
        rollout holds where it is (nothing changes, non-zero exit) for a person to decide.
        """
        pause = self.config.observation_seconds if pause_seconds is None else pause_seconds
        extensions = 0
        while True:
            state = self.state()
            if state.canary is None:
                raise DeployError("no canary to promote: `make canary-deploy` first")
            document = self.observe(pause)
            self.echo(
                f"at {state.canary_weight}%: {document['verdict']} "
                + "; ".join(t["detail"] for t in document["triggers"] if t["judged"])
            )
            if document["verdict"] == "fail":
                if not auto_rollback:
                    document["action"] = "held"
                    self.save_report(document)
                    return document
                with self._locked() as locked:
                    self._rollback(locked, "automatic: " + ", ".join(document["fired"]))
                document["action"] = "rolled_back"
                self.save_report(document)
                return document
            if document["verdict"] == "insufficient_data":
                extensions += 1
                if extensions > self.config.max_extensions:
                    document["action"] = "held"
                    self.save_report(document)
                    return document
                continue
            extensions = 0
            following = [step for step in self.config.steps if step > state.canary_weight]
            with self._locked() as locked:
                if following[0] >= 100:
                    self._finalize(locked)
                    document["action"] = "promoted"
                    self.save_report(document)
                    return document
                self._switch(
                    locked, stable=locked.stable, canary=locked.canary, weight=following[0], started=None
                )
                self.echo(f"canary {locked.canary.name if locked.canary else '?'} takes {following[0]}%")


def _path(path: Path | None) -> str | None:
    return str(path.resolve()) if path is not None else None
