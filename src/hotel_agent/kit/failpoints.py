"""Failpoints: named places where a process can be told to die as if `kill -9` hit it right there.

Crash-recovery tests start real worker processes with FAILPOINTS=["whatsapp.after_engine@wamid.X"]; a
worker then SIGKILLs itself at that point while handling that message, and the test checks what another
worker makes of the wreck. With FAILPOINTS_DIR set, each failpoint fires once across all processes (a
marker file is created atomically), so the worker that picks the job up next survives it. With no
FAILPOINTS (production) `hit` is one truth test and returns.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterable
from pathlib import Path


class Failpoints:
    def __init__(self, specs: Iterable[str] = (), once_dir: Path | None = None) -> None:
        self._specs = frozenset(specs)
        self._once_dir = once_dir

    def hit(self, name: str, key: str | None = None) -> None:
        if not self._specs:
            return
        spec = name if name in self._specs else f"{name}@{key}" if key is not None else None
        if spec is None or spec not in self._specs or not self._first(spec):
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
