"""Run every benchmark under benchmarks/ (files named bench_*.py), one after another; used by `make bench`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def main() -> int:
    here = Path(__file__).resolve().parent
    selected = set(sys.argv[1:])
    failures = 0
    for script in sorted(here.glob("bench_*.py")):
        if selected and script.stem not in selected:
            continue
        print(f"\n=== {script.stem} ===", flush=True)
        failures += subprocess.run([sys.executable, str(script)], check=False).returncode != 0
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
