"""Failpoints: named places where a process can be told to fail, from configuration (FAILPOINTS).

Two actions, chosen by the spec's suffix:
- `name` or `name@key` (kill): the process SIGKILLs itself right there, as if `kill -9` hit it. Crash-recovery
  tests start real workers with FAILPOINTS=["whatsapp.after_engine@wamid.X"] and check what another worker
  makes of the wreck. With FAILPOINTS_DIR set, each kill fires once across all processes (a marker file
  is created atomically), so the worker that picks the job up next survives it.
- `name=error` or `name@key=error`: `FailpointError` is raised there, every time: a release that is
  deliberately broken through its configuration (the bad canary of tests/deploy/test_rollout.py), whose
  errors go through the normal failure handling (a guest message is retried, counted, never lost).
With no FAILPOINTS (production) `hit` is one truth test and returns.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterable
from pathlib import Path

ERROR = "error"


class FailpointError(RuntimeError):
    """Raised by a failpoint configured with `=error`."""


class Failpoints:
    def __init__(self, specs: Iterable[str] = (), once_dir: Path | None = None) -> None:
        actions: dict[str, str] = {}
        for spec in specs:
            point, _, action = spec.partition("=")
            if action not in ("", ERROR):
                raise ValueError(f"failpoint {spec!r}: the action after '=' can only be {ERROR!r}")
            actions[point] = action or "kill"
        self._actions = actions
        self._once_dir = once_dir

    def hit(self, name: str, key: str | None = None) -> None:
        if not self._actions:
            return
        spec = name if name in self._actions else f"{name}@{key}" if key is not None else None
        if spec is None or spec not in self._actions:
            return
        if self._actions[spec] == ERROR:
            raise FailpointError(f"failpoint {spec} (injected error)")
        if not self._first(spec):
            return
        os.kill(os.getpid(), signal.SIGKILL)

    def _first(self, spec: str) -> bool:
        if self._once_dir is None:
            return True
        marker = self._once_dir / spec.replace("/", "_")
        try:
            os.close(os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        except FileExistsError:
            return False
        return True
