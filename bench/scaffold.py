"""How long `exchange new customer` and `exchange new processor` take, end to end, as a user runs them.

    python bench/scaffold.py [--runs 7]

Each run is the real CLI in a fresh subprocess (interpreter start, imports, copier render from the template
cache repository, files moved into place). The first command of all warms the template cache and is not counted.
Target: a median under 1 s for each.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

EXCHANGE = str(Path(sys.executable).parent / "exchange")
TARGET_S = 1.0


def timed(args: list[str], env: dict[str, str]) -> float:
    """Seconds one exchange command takes; a failure stops the benchmark with its output."""
    start = time.perf_counter()
    done = subprocess.run([EXCHANGE, *args], capture_output=True, text=True, env=env, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"exchange {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory(prefix="exchange-bench-") as tmp:
        root = Path(tmp)
        env = {**os.environ, "EXCHANGE_TEMPLATE_CACHE": str(root / "cache")}
        warm = root / "warm"
        warm.mkdir()
        timed(["new", "customer", "warm", "--defaults", "--path", str(warm)], env)  # mirrors the templates once
        first_workspace = []
        customers = []
        processors = []
        for i in range(runs):
            fresh = root / f"ws{i}"
            fresh.mkdir()
            first_workspace.append(timed(["new", "customer", "acme", "--defaults", "--path", str(fresh)], env))
            customers.append(timed(["new", "customer", f"c{i}", "--defaults", "--path", str(warm)], env))
            processors.append(
                timed(["new", "processor", f"p{i}", "-c", "warm", "--defaults", "--path", str(warm)], env)
            )
    report("new customer (in a workspace)", customers)
    report("new customer (empty folder: workspace too)", first_workspace)
    report("new processor (code + wiring)", processors)


def report(label: str, seconds: list[float]) -> None:
    median = statistics.median(seconds)
    verdict = "ok" if median < TARGET_S else f"over the {TARGET_S:.0f} s target"
    print(f"{label:45s} median {median * 1000:6.0f} ms  min {min(seconds) * 1000:6.0f} ms  "
          f"max {max(seconds) * 1000:6.0f} ms  ({len(seconds)} runs, {verdict})")  # fmt: skip


if __name__ == "__main__":
    main()
